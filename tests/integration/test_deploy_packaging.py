"""Static checks of the operator packaging: the commands it runs exist, and the Dockerfile."""
import importlib
import importlib.util
import re
import shlex

from django.core.management import get_commands, load_command_class

from tests.integration.deploy_files import (
    APP_UID,
    COMPOSE,
    COMPOSE_TEST,
    DOCKERFILE,
    MIGRATION_STEPS,
    PROBE_HOST,
    ROOT,
    SCRIPTS,
    SECRET_NAME,
    SECRET_TEMPLATE,
    _command_text,
    _dockerfile_instructions,
    _k8s_manifest_paths,
    _of_kind,
    _pod_spec,
    _services,
)


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
    assert {"migrate_shops", "collectstatic", "create_shop", "suspend_shop"} <= names

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
        assert len(MIGRATION_STEPS) == 1 or "&&" in text or "set -e" in text, f"{where} would go on after a failed step"


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
