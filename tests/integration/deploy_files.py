"""
What the static checks of the operator packaging read: the Dockerfile, the
docker compose files, the Kubernetes manifests and k8s/scripts/*.sh, parsed
(no Docker engine, no cluster), plus the constants they are checked against.
"""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
SCRIPTS = K8S / "scripts"
SECRET_TEMPLATE = K8S / "secret.yaml.template"
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_TEST = ROOT / "docker-compose.test.yml"
DOCKERFILE = ROOT / "Dockerfile"

# The image's non-root user (Dockerfile USER, pod securityContext runAsUser).
APP_UID = 10001
# Host header sent by every health probe; must be in ALLOWED_HOSTS.
PROBE_HOST = "localhost"
# Variables the production settings need (config/settings/production.py).
PRODUCTION_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "PUBLIC_DOMAINS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|API_KEY|ACCESS_KEY")
REQUIRED_REFERENCE = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*:\?[^}]+\}$")
URL_CREDENTIALS = re.compile(r"://[^:/@\s]+:([^@\s]*)@")
RANDOM_LOOKING = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
PLACEHOLDER = "REPLACE-ME"
# One command: the shared schema, the platform rows and the template, then
# every shop (apps/tenancy/management/commands/migrate_shops.py).
MIGRATION_STEPS = [
    "migrate_shops",
]
APP_SERVICES = ("migrate", "web", "worker", "beat")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------
def _yaml_documents(path: Path) -> list[dict]:
    with path.open() as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def _compose(path: Path) -> dict:
    (document,) = _yaml_documents(path)
    return document


def _services(path: Path) -> dict:
    return _compose(path)["services"]


def _environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: ("" if value is None else str(value)) for key, value in env.items()}


def _interpolation_default(value: str) -> str:
    """What compose puts in place of ${VAR:-default} when VAR is unset."""
    return re.sub(r"\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}", r"\1", value)


def _command_text(command) -> str:
    return " ".join(command) if isinstance(command, list) else str(command or "")


def _k8s_manifest_paths() -> list[Path]:
    return sorted(K8S.glob("*.yaml"))


def _k8s_documents() -> list[dict]:
    docs = []
    for path in _k8s_manifest_paths() + [SECRET_TEMPLATE]:
        docs.extend(_yaml_documents(path))
    return docs


def _of_kind(kind: str) -> list[dict]:
    return [doc for doc in _k8s_documents() if doc["kind"] == kind]


def _named(kind: str, name: str) -> dict:
    matches = [doc for doc in _of_kind(kind) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind} named {name}, found {len(matches)}"
    return matches[0]


def _workloads() -> list[dict]:
    return _of_kind("Deployment") + _of_kind("Job")


def _pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def _containers(workload: dict) -> list[dict]:
    spec = _pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def _config_data() -> dict:
    (config_map,) = _of_kind("ConfigMap")
    return config_map["data"]


def _secret_data() -> dict:
    (secret,) = _of_kind("Secret")
    return {**secret.get("data", {}), **secret.get("stringData", {})}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        logical.append(current)
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    result = []
    for line in logical:
        instruction, _, arguments = line.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def _script(name: str) -> Path:
    return SCRIPTS / name


def _script_constant(name: str, variable: str) -> str:
    match = re.search(rf"^{variable}=(\S+)$", _script(name).read_text(), re.M)
    assert match, f"{name} defines no {variable}"
    return match.group(1)
