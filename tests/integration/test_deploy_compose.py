"""Static checks of the docker compose files."""
import re

import pytest

from tests.integration.deploy_files import (
    APP_SERVICES,
    COMPOSE,
    COMPOSE_TEST,
    PROBE_HOST,
    PRODUCTION_VARIABLES,
    RANDOM_LOOKING,
    REQUIRED_REFERENCE,
    ROOT,
    SECRET_NAME,
    URL_CREDENTIALS,
    _command_text,
    _environment,
    _interpolation_default,
    _services,
)


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
