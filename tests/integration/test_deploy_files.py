"""
Static checks of the operator packaging: Dockerfile, docker compose files,
Kubernetes manifests and k8s/scripts/*.sh.

No Docker engine and no cluster are needed (nor used): the files are parsed
with PyYAML and checked against each other and against the code they run
(management commands, the Celery app, the WSGI module, the settings' variables).
The scripts are syntax-checked with bash, and deploy.sh and smoke.sh are run
against a stub kubectl and a local HTTP server.
"""
import http.server
import importlib
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class

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
MIGRATION_STEPS = [
    "migrate_schemas --shared",
    "setup_platform",
    "migrate_schemas --executor=multiprocessing",
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


# ---------------------------------------------------------------------------
# Commands the packaging runs really exist
# ---------------------------------------------------------------------------
def _deploy_texts() -> dict[str, str]:
    paths = [DOCKERFILE, COMPOSE, COMPOSE_TEST, SECRET_TEMPLATE, *_k8s_manifest_paths(), *SCRIPTS.glob("*.sh")]
    return {str(path.relative_to(ROOT)): path.read_text() for path in paths}


def _management_calls() -> list[tuple[str, list[str]]]:
    """Every `manage.py <command> args...` (and e2e.sh's `manage <command>`)."""
    calls = []
    for source, text in _deploy_texts().items():
        text = re.sub(r"\\\n\s*", " ", text)
        for match in re.finditer(r"(?:manage\.py|^[ \t]*manage)[ \t]+([a-z_]+)([^\n]*)", text, re.M):
            rest = re.split(r";|&&|\|", match.group(2))[0]
            args = shlex.split(rest)
            args = ["x" if "$" in arg else arg for arg in args]
            calls.append((f"{source}: {match.group(0).strip()}", [match.group(1), *args]))
    return calls


def test_management_commands_used_by_the_packaging_exist_and_accept_their_arguments():
    calls = _management_calls()
    names = {command for _, (command, *_) in calls}
    # The scan must find what the packaging is known to run, or it checks nothing.
    assert {"migrate_schemas", "setup_platform", "collectstatic", "create_shop", "suspend_shop"} <= names

    commands = get_commands()
    for where, (command, *args) in calls:
        assert command in commands, f"{where}: no management command '{command}'"
        app = commands[command]
        if app.startswith("apps."):
            path = ROOT / app.replace(".", "/") / "management" / "commands" / f"{command}.py"
            assert path.is_file(), f"{where}: {path} is missing"
        parser = load_command_class(app, command).create_parser("manage.py", command)
        parser.parse_args(args)  # raises CommandError on an unknown or missing option


def test_the_repo_commands_live_where_expected():
    for command in ("setup_platform", "create_shop", "suspend_shop"):
        assert (ROOT / "apps/tenancy/management/commands" / f"{command}.py").is_file()


def test_celery_and_wsgi_modules_named_by_the_packaging_exist():
    texts = "\n".join(_deploy_texts().values())
    celery_apps = set(re.findall(r"(?<![\w-])(?:-A[\s\"',-]+|--app[= ])([\w.]+)", texts))
    wsgi_apps = set(re.findall(r"\b([\w.]+):application\b", texts))
    assert celery_apps == {"config.celery_app"}
    assert wsgi_apps == {"config.wsgi"}

    assert importlib.util.find_spec("config.wsgi") is not None
    assert re.search(r"^application = ", (ROOT / "config/wsgi.py").read_text(), re.M)

    from celery import Celery

    # importlib: `config.celery_app` as an attribute is the app that
    # config/__init__.py re-exports, not the module.
    assert isinstance(importlib.import_module("config.celery_app").app, Celery)


def test_migrations_run_in_the_documented_order_in_compose_and_kubernetes():
    compose_migrate = _command_text(_services(COMPOSE)["migrate"]["command"])
    (job,) = _of_kind("Job")
    (container,) = _pod_spec(job)["containers"]
    job_command = _command_text(container.get("command", []) + container.get("args", []))
    for where, text in (("docker-compose.yml migrate", compose_migrate), ("k8s migration Job", job_command)):
        positions = [text.find(f"manage.py {step}") for step in MIGRATION_STEPS]
        assert -1 not in positions, f"{where} lacks a migration step: {text}"
        assert positions == sorted(positions), f"{where} runs the migration steps out of order"
        # Each step must stop the sequence when it fails.
        assert "&&" in text or "set -e" in text, f"{where} would go on after a failed step"


# ---------------------------------------------------------------------------
# Dockerfile and .dockerignore
# ---------------------------------------------------------------------------
def test_dockerfile_is_multi_stage_on_python_311_slim():
    instructions = _dockerfile_instructions()
    froms = [arguments for instruction, arguments in instructions if instruction == "FROM"]
    assert len(froms) >= 2, "expected a build stage and a runtime stage"
    stages = set()
    for line in froms:
        image, *rest = line.split()
        # Python stages, plus one Node stage that only fetches npm packages.
        assert image.startswith(("python:3.11-slim", "node:20-slim")) or image in stages, f"unexpected base image {image}"
        if rest:
            assert rest[0].upper() == "AS"
            stages.add(rest[1])
    for instruction, arguments in instructions:
        for stage in re.findall(r"from=([\w.-]+)", arguments):
            assert stage in stages, f"{instruction} refers to unknown stage {stage}"
    # Compose builds the runtime stage by name.
    for path in (COMPOSE, COMPOSE_TEST):
        for name, service in _services(path).items():
            target = (service.get("build") or {}).get("target")
            if target:
                assert target in stages, f"{path.name}: {name} builds unknown stage {target}"


def test_dockerfile_runs_as_a_numeric_non_root_user():
    users = [arguments for instruction, arguments in _dockerfile_instructions() if instruction == "USER"]
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == str(APP_UID), "a numeric USER lets Kubernetes verify runAsNonRoot"


def test_dockerfile_installs_requirements_collects_static_and_checks_health():
    instructions = _dockerfile_instructions()
    runs = " ".join(arguments for instruction, arguments in instructions if instruction == "RUN")
    assert re.search(r"pip install .*-r \S*requirements\.txt", runs)
    assert "DJANGO_SETTINGS_MODULE=config.settings.local python manage.py collectstatic --noinput" in runs

    (healthcheck,) = [arguments for instruction, arguments in instructions if instruction == "HEALTHCHECK"]
    assert "/healthz" in healthcheck and f"'Host': '{PROBE_HOST}'" in healthcheck

    (cmd,) = [arguments for instruction, arguments in instructions if instruction == "CMD"]
    assert "gunicorn config.wsgi:application" in cmd
    for variable in ("WEB_CONCURRENCY", "GUNICORN_THREADS"):
        assert "${%s}" % variable in cmd
    env = " ".join(arguments for instruction, arguments in instructions if instruction == "ENV")
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in env


def test_dockerfile_bakes_in_no_secret():
    for instruction, arguments in _dockerfile_instructions():
        if instruction in {"ENV", "ARG"}:
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", arguments) or arguments.split()[:1]
            for name in names:
                assert not SECRET_NAME.search(name.upper()), f"{instruction} {name} would bake a secret into the image"


def test_dockerignore_keeps_local_state_out_but_the_suite_in():
    patterns = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", ".env", ".pytest_cache", ".hypothesis"} <= patterns
    # docker-compose.test.yml runs the suite, this file included, in the image.
    assert not patterns & {"tests", "k8s", "Dockerfile", "docker-compose.yml", "docker-compose.test.yml", "config", "apps"}


# ---------------------------------------------------------------------------
# docker compose
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_TEST], ids=lambda p: p.name)
def test_compose_services_have_a_valid_image_or_build(path):
    services = _services(path)
    assert services
    for name, service in services.items():
        image, build = service.get("image"), service.get("build")
        assert image or build, f"{name} has neither image nor build"
        if image:
            assert re.fullmatch(r"(\$\{[^}]+\}|[a-z0-9][\w./-]*(:[\w.-]+)?)", image), f"{name}: bad image {image}"
        if build:
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            assert (context / dockerfile).is_file(), f"{name}: no {dockerfile} in {context}"


@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_TEST], ids=lambda p: p.name)
def test_compose_dependencies_exist(path):
    services = _services(path)
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            depends_on = {target: {"condition": "service_started"} for target in depends_on}
        for target, spec in depends_on.items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name
            condition = spec.get("condition", "service_started")
            assert condition in conditions, f"{name}: unknown condition {condition}"
            if condition == "service_healthy":
                healthcheck = services[target].get("healthcheck") or {}
                assert healthcheck.get("test") and not healthcheck.get("disable"), (
                    f"{name} waits for {target} to be healthy but {target} has no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", f"{target} is one-shot: it must not restart"


def test_compose_starts_the_app_only_after_migrations_and_healthy_backing_services():
    services = _services(COMPOSE)
    for name in ("web", "worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_compose_has_healthchecks_for_database_cache_and_web():
    services = _services(COMPOSE)
    for name in ("postgres", "redis", "web"):
        healthcheck = services[name].get("healthcheck") or {}
        assert healthcheck.get("test") and not healthcheck.get("disable"), f"{name} has no healthcheck"
    assert "/healthz" in _command_text(services["web"]["healthcheck"]["test"])
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis"):
        assert any(":/" in str(volume) for volume in services[name].get("volumes", [])), f"{name} keeps no data volume"


def test_compose_requires_secrets_from_the_environment():
    services = _services(COMPOSE)
    for name in APP_SERVICES:
        env = _environment(services[name])
        assert REQUIRED_REFERENCE.match(env["SECRET_KEY"]), f"{name}: SECRET_KEY must be ${{SECRET_KEY:?message}}"
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        missing = PRODUCTION_VARIABLES - env.keys()
        assert not missing, f"{name} lacks {sorted(missing)}"
        # The probes' Host header is allowed by default.
        assert PROBE_HOST in _interpolation_default(env["ALLOWED_HOSTS"]).split(",")


@pytest.mark.parametrize("path", [COMPOSE, COMPOSE_TEST], ids=lambda p: p.name)
def test_compose_commits_no_literal_secret(path):
    for name, service in _services(path).items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert REQUIRED_REFERENCE.match(value), f"{name}: {key} must be a required ${{VAR:?...}} reference"
            # As compose would resolve it with only the required variables set.
            resolved = _interpolation_default(re.sub(r"\$\{[A-Z_][A-Z0-9_]*:\?[^}]*\}", "REQUIRED", value))
            for password in URL_CREDENTIALS.findall(resolved):
                assert password == "REQUIRED", f"{name}: {key} carries a literal or defaulted password"
            assert not RANDOM_LOOKING.search(re.sub(r"\$\{[^}]*\}", "", value)), f"{name}: {key} looks like a secret"
    assert "PRIVATE KEY-----" not in path.read_text()


def test_compose_workers_and_single_beat():
    services = _services(COMPOSE)
    assert "celery -A config.celery_app worker" in _command_text(services["worker"]["command"])
    assert "celery -A config.celery_app beat" in _command_text(services["beat"]["command"])
    assert (services["beat"].get("deploy") or {}).get("replicas", 1) == 1
    # web runs the image's default command: gunicorn (checked on the Dockerfile).
    assert "command" not in services["web"]
    assert services["migrate"]["restart"] == "no"


def test_compose_test_file_runs_pytest_with_the_test_settings_against_its_services():
    services = _services(COMPOSE_TEST)
    assert {"postgres", "redis", "tests"} <= services.keys()
    tests = services["tests"]
    command = _command_text(tests["command"])
    assert "pytest" in command or "make test" in command
    env = _environment(tests)
    # The image's ENV names the production settings; pytest-django prefers
    # the environment over pytest.ini.
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.test"
    for variable, scheme in (("DATABASE_URL", "postgres"), ("REDIS_URL", "redis")):
        match = re.match(rf"{scheme}://(?:[^@/]*@)?([\w.-]+)[:/]", env[variable])
        assert match and match.group(1) in services, f"{variable} must point at a service of the file"


# ---------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------
def test_every_manifest_has_identity_and_one_namespace():
    docs = _k8s_documents()
    namespaces = [doc for doc in docs if doc["kind"] == "Namespace"]
    assert len(namespaces) == 1
    namespace = namespaces[0]["metadata"]["name"]
    seen = set()
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), doc
        key = (doc["kind"], doc["metadata"]["name"])
        assert key not in seen, f"{key} is defined twice"
        seen.add(key)
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == namespace, f"{key} is not in namespace {namespace}"
    kinds = {doc["kind"] for doc in docs}
    assert {
        "Namespace", "ConfigMap", "Secret", "Deployment", "Job", "Service",
        "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
    } <= kinds
    assert {doc["metadata"]["name"] for doc in _of_kind("Deployment")} == {"zargar-web", "zargar-worker", "zargar-beat"}


def test_deployment_selectors_match_their_pod_labels():
    for deployment in _of_kind("Deployment"):
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector and selector.items() <= labels.items(), deployment["metadata"]["name"]
    # No two Deployments select each other's pods.
    selectors = [tuple(sorted(d["spec"]["selector"]["matchLabels"].items())) for d in _of_kind("Deployment")]
    assert len(set(selectors)) == len(selectors)


def test_containers_have_resources_and_run_locked_down():
    for workload in _workloads():
        name = workload["metadata"]["name"]
        pod = _pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"].get("runAsUser", APP_UID) == APP_UID, name
        volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
        for container in _containers(workload):
            where = f"{name}/{container['name']}"
            resources = container.get("resources", {})
            for section in ("requests", "limits"):
                assert {"cpu", "memory"} <= resources.get(section, {}).keys(), f"{where}: no {section}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            if security.get("readOnlyRootFilesystem"):
                mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
                assert "/tmp" in mounts and "emptyDir" in volumes[mounts["/tmp"]], f"{where}: read-only root needs /tmp"
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{where}: mounts unknown volume {mount['name']}"


def test_all_workloads_run_the_image_that_deploy_sh_replaces():
    placeholder = _script_constant("deploy.sh", "IMAGE_PLACEHOLDER")
    images = {container["image"] for workload in _workloads() for container in _containers(workload)}
    assert images == {placeholder}


def test_web_has_health_probes_on_its_http_port():
    web = _named("Deployment", "zargar-web")
    (container,) = _pod_spec(web)["containers"]
    port_names = {port["name"] for port in container["ports"]}
    port_numbers = {port["containerPort"] for port in container["ports"]}
    expected_paths = {"readinessProbe": "/readyz", "livenessProbe": "/healthz", "startupProbe": "/healthz"}
    allowed_hosts = _config_data()["ALLOWED_HOSTS"].split(",")
    for probe_name, path in expected_paths.items():
        probe = container.get(probe_name)
        if probe is None and probe_name == "startupProbe":
            continue
        assert probe, f"web has no {probe_name}"
        http_get = probe["httpGet"]
        assert http_get["path"] == path
        assert http_get["port"] in port_names | port_numbers
        host = {h["name"]: h["value"] for h in http_get.get("httpHeaders", [])}.get("Host")
        assert host in allowed_hosts, f"{probe_name} sends Host {host!r}, which ALLOWED_HOSTS rejects (HTTP 400)"
    assert any(port["containerPort"] == 8000 for port in container["ports"])
    assert "--bind=0.0.0.0:8000" in container["args"]
    assert container["args"][0] == "config.wsgi:application" and container["command"] == ["gunicorn"]


def test_worker_and_beat_commands_and_beat_is_a_singleton():
    worker = _named("Deployment", "zargar-worker")
    beat = _named("Deployment", "zargar-beat")
    for deployment, role in ((worker, "worker"), (beat, "beat")):
        (container,) = _pod_spec(deployment)["containers"]
        assert container["command"] == ["celery"]
        assert container["args"][:3] == ["-A", "config.celery_app", role]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"


def test_migration_job_never_restarts_in_place():
    (job,) = _of_kind("Job")
    assert _pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"].get("backoffLimit", 6) <= 2


def test_environment_references_resolve():
    config_names = {doc["metadata"]["name"] for doc in _of_kind("ConfigMap")}
    secret_names = {doc["metadata"]["name"] for doc in _of_kind("Secret")}
    claim_names = {doc["metadata"]["name"] for doc in _of_kind("PersistentVolumeClaim")}
    variables = set(_config_data()) | set(_secret_data())
    for workload in _workloads():
        name = workload["metadata"]["name"]
        for volume in _pod_spec(workload).get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claim_names, name
        for container in _containers(workload):
            sources = container.get("envFrom", [])
            assert {"configMapRef": {"name": "zargar-config"}} in sources, f"{name}: no ConfigMap"
            assert {"secretRef": {"name": "zargar-secrets"}} in sources, f"{name}: no Secret"
            for source in sources:
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_names
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secret_names
            defined = variables | {entry["name"] for entry in container.get("env", [])}
            for variable in re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", " ".join(container.get("args", []))):
                assert variable in defined, f"{name}: $({variable}) is not defined"
            assert not PRODUCTION_VARIABLES - defined, f"{name} lacks {sorted(PRODUCTION_VARIABLES - defined)}"


def test_every_configured_variable_is_read_by_something():
    """A key nobody reads is a typo or a leftover."""
    settings_text = "\n".join(path.read_text() for path in (ROOT / "config").rglob("*.py"))
    read_by_settings = set(re.findall(r"env(?:_bool|_list)?\(\s*\"([A-Z_][A-Z0-9_]*)\"", settings_text))
    manifests_text = "\n".join(path.read_text() for path in _k8s_manifest_paths())
    used_in_args = set(re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", manifests_text))
    # Read by Django itself (DJANGO_SETTINGS_MODULE) or by gunicorn (FORWARDED_ALLOW_IPS).
    read_by_tools = {"DJANGO_SETTINGS_MODULE", "FORWARDED_ALLOW_IPS"}
    known = read_by_settings | used_in_args | read_by_tools
    for key in list(_config_data()) + list(_secret_data()):
        assert key in known, f"nothing reads {key}"
    compose_env = _environment(_services(COMPOSE)["web"])
    image_cmd = " ".join(arguments for instruction, arguments in _dockerfile_instructions() if instruction == "CMD")
    for key in compose_env:
        assert key in known or "${%s}" % key in image_cmd, f"nothing reads {key} in docker-compose.yml"


def test_configmap_holds_no_secret_and_allows_the_ingress_hosts():
    data = _config_data()
    for key in data:
        assert not SECRET_NAME.search(key), f"{key} belongs in the Secret"
    assert data["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    allowed_hosts = data["ALLOWED_HOSTS"].split(",")
    public_domains = data["PUBLIC_DOMAINS"].split(",")
    (ingress,) = _of_kind("Ingress")
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    wildcards = [host for host in hosts if host.startswith("*.")]
    assert wildcards, "shops need a wildcard host"
    for host in hosts:
        if host.startswith("*."):
            parent = host[2:]
            assert parent in hosts, f"the platform host {parent} is not routed"
            assert f".{parent}" in allowed_hosts, f"ALLOWED_HOSTS does not allow shops under {parent}"
            assert f"https://*.{parent}" in data["CSRF_TRUSTED_ORIGINS"].split(",")
        else:
            assert host in public_domains and host in allowed_hosts, host
    domain = _script_constant("deploy.sh", "DOMAIN_PLACEHOLDER")
    assert all(host == domain or host.endswith(f".{domain}") for host in hosts), "deploy.sh would not rename every host"
    tls_hosts = {host for entry in ingress["spec"].get("tls", []) for host in entry["hosts"]}
    assert set(hosts) <= tls_hosts


def test_services_select_a_deployment_and_ingress_backends_exist():
    deployments = _of_kind("Deployment")
    services = {doc["metadata"]["name"]: doc for doc in _of_kind("Service")}
    for service in services.values():
        selector = service["spec"]["selector"]
        matching = [d for d in deployments if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matching) == 1, f"Service {service['metadata']['name']} selects {len(matching)} Deployments"
        container_ports = {
            port.get("name") for c in _pod_spec(matching[0])["containers"] for port in c.get("ports", [])
        } | {port["containerPort"] for c in _pod_spec(matching[0])["containers"] for port in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port.get("targetPort", port["port"]) in container_ports
    (ingress,) = _of_kind("Ingress")
    backends = [
        path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    ]
    assert backends
    for backend in backends:
        assert backend["name"] in services, f"Ingress points at unknown Service {backend['name']}"
        ports = services[backend["name"]]["spec"]["ports"]
        wanted = backend["port"]
        assert any(
            ("name" in wanted and port.get("name") == wanted["name"]) or port["port"] == wanted.get("number")
            for port in ports
        ), f"Service {backend['name']} has no port {wanted}"


def test_autoscaler_and_disruption_budget_cover_web():
    web = _named("Deployment", "zargar-web")
    (hpa,) = _of_kind("HorizontalPodAutoscaler")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "zargar-web")
    assert "replicas" not in web["spec"], "the autoscaler owns web's replica count"
    (pdb,) = _of_kind("PodDisruptionBudget")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # Drains can always evict at least one pod.
    assert hpa["spec"]["minReplicas"] > pdb["spec"]["minAvailable"]
    assert hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"]


def test_secret_template_holds_only_placeholders_and_is_never_applied_by_accident():
    (secret,) = _of_kind("Secret")
    assert not secret.get("data"), "use stringData with placeholders, never base64 values"
    values = secret["stringData"]
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= values.keys()
    for key, value in values.items():
        assert PLACEHOLDER in value, f"{key} is not a placeholder"
    # Even if applied as is, production settings refuse the placeholder key.
    assert len(values["SECRET_KEY"]) < 50
    # `kubectl apply -f k8s/` only reads *.yaml/*.yml/*.json: the template stays out.
    for path in _k8s_manifest_paths():
        assert all(doc["kind"] != "Secret" for doc in _yaml_documents(path)), f"{path.name} holds a Secret"
    apply_lines = re.findall(r"^apply .*$", _script("deploy.sh").read_text(), re.M)
    assert apply_lines and not any("secret" in line for line in apply_lines)


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------
def _scripts() -> list[Path]:
    scripts = sorted(SCRIPTS.glob("*.sh"))
    assert {path.name for path in scripts} >= {"deploy.sh", "smoke.sh", "e2e.sh"}
    return scripts


@pytest.mark.parametrize("name", ["deploy.sh", "smoke.sh", "e2e.sh"])
def test_scripts_are_strict_bash_with_valid_syntax(name):
    path = _script(name)
    assert path in _scripts()
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    commands = [line for line in text.splitlines()[1:] if line.strip() and not line.startswith("#")]
    assert commands[0] == "set -euo pipefail", "set -euo pipefail must come before any command"
    assert os.access(path, os.X_OK), f"{name} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["deploy.sh", "smoke.sh", "e2e.sh"])
def test_scripts_print_usage_when_called_wrongly(name):
    result = subprocess.run(["bash", str(_script(name))], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Usage: {name} ")


def test_deploy_sh_applies_every_manifest():
    text = _script("deploy.sh").read_text()
    mentioned = set(re.findall(r"(?<![\w.-])([\w-]+\.yaml)(?![\w.])", text))
    assert mentioned == {path.name for path in _k8s_manifest_paths()}


STUB_KUBECTL = """#!/usr/bin/env bash
echo "$*" >>"$STUB_DIR/calls"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ ${args[i]} == -f ]]; then cp "${args[i+1]}" "$STUB_DIR/applied/"; fi
done
if [[ "$*" == *"get secret"* && -n ${STUB_NO_SECRET:-} ]]; then exit 1; fi
if [[ "$*" == *'type=="Complete"'* ]]; then echo True; fi
exit 0
"""


def _run_deploy(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    stub = tmp_path / "kubectl"
    stub.write_text(STUB_KUBECTL)
    stub.chmod(0o755)
    (tmp_path / "applied").mkdir()
    environment = {**os.environ, "STUB_DIR": str(tmp_path), "KUBECTL": f"{stub} --context test", **env}
    return subprocess.run(
        ["bash", str(_script("deploy.sh")), "registry.acme.test/zargar:2.0.1", "shops.acme.test"],
        capture_output=True, text=True, timeout=60, env=environment,
    )


def test_deploy_sh_renders_the_manifests_and_migrates_before_rolling_out(tmp_path):
    result = _run_deploy(tmp_path)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert all(call.startswith("--context test ") for call in calls)
    applied = [re.search(r"-f \S*/([\w-]+\.yaml)", call).group(1) for call in calls if " apply -f " in call]
    assert set(applied) == {path.name for path in _k8s_manifest_paths()}
    assert applied.index("migrate-job.yaml") < min(
        applied.index(name) for name in ("web-deployment.yaml", "worker-deployment.yaml", "beat-deployment.yaml")
    )
    secret_check = next(i for i, call in enumerate(calls) if "get secret zargar-secrets" in call)
    assert secret_check < next(i for i, call in enumerate(calls) if "migrate-job.yaml" in call)
    delete_job = next(i for i, call in enumerate(calls) if "delete job zargar-migrate" in call)
    assert delete_job < next(i for i, call in enumerate(calls) if "migrate-job.yaml" in call)
    rollouts = [call.split()[-2] for call in calls if " rollout status " in call]
    assert rollouts == ["deployment/zargar-web", "deployment/zargar-worker", "deployment/zargar-beat"]

    rendered = "\n".join(path.read_text() for path in (tmp_path / "applied").iterdir())
    assert "example.com" not in rendered
    docs = [doc for path in sorted((tmp_path / "applied").iterdir()) for doc in _yaml_documents(path)]
    images = {c["image"] for d in docs if d["kind"] in {"Deployment", "Job"} for c in d["spec"]["template"]["spec"]["containers"]}
    assert images == {"registry.acme.test/zargar:2.0.1"}
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    assert {rule["host"] for rule in ingress["spec"]["rules"]} == {"shops.acme.test", "*.shops.acme.test"}
    (config_map,) = [d for d in docs if d["kind"] == "ConfigMap"]
    assert config_map["data"]["ALLOWED_HOSTS"] == ".shops.acme.test,shops.acme.test,localhost"


def test_deploy_sh_stops_before_migrating_when_the_secret_is_missing(tmp_path):
    result = _run_deploy(tmp_path, STUB_NO_SECRET="1")
    assert result.returncode == 1
    assert "zargar-secrets is missing" in result.stderr
    assert "migrate-job.yaml" not in (tmp_path / "calls").read_text()


class _HealthHandler(http.server.BaseHTTPRequestHandler):
    ready = True

    def do_GET(self):
        ok = self.path == "/healthz" or (self.path == "/readyz" and self.ready)
        body = b'{"status": "ok"}' if ok else b'{"status": "unavailable"}'
        self.send_response(200 if ok else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("curl") is None, reason="smoke.sh needs curl")
@pytest.mark.parametrize("ready, code", [(True, 0), (False, 1)])
def test_smoke_sh_passes_only_when_both_endpoints_answer_ok(ready, code):
    handler = type("Handler", (_HealthHandler,), {"ready": ready})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        result = subprocess.run(
            ["bash", str(_script("smoke.sh")), host],
            capture_output=True, text=True, timeout=60, env={**os.environ, "SCHEME": "http"},
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == code, result.stdout + result.stderr
    assert f"ok    http://{host}/healthz" in result.stdout
    if ready:
        assert "smoke: all checks passed" in result.stdout
    else:
        assert f"FAIL  http://{host}/readyz -> HTTP 503" in result.stderr
