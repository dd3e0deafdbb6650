"""Static checks of PgBouncer in the deployment: the app goes through it in
transaction mode, migrations go straight to PostgreSQL."""
import re

from tests.integration.deploy_files import (
    COMPOSE,
    _containers,
    _named,
    _of_kind,
    _pod_spec,
    _secret_data,
    _services,
)

APP_SERVICES = ("web", "worker", "beat")


def _host(url: str) -> str:
    """The host of a postgres:// URL whose user and password may be ${...} references."""
    return re.search(r"@([\w.-]+):\d+/", url).group(1)


def test_compose_app_goes_through_pgbouncer_and_migrations_do_not():
    services = _services(COMPOSE)
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert _host(env["DATABASE_URL"]) == "pgbouncer" and env["DATABASE_POOL_MODE"] == "transaction", name
        assert _host(env["DIRECT_DATABASE_URL"]) == "postgres", name
        assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name
    migrate = services["migrate"]["environment"]
    assert _host(migrate["DATABASE_URL"]) == "postgres" and migrate["DATABASE_POOL_MODE"] == "session"
    assert "scripts/pgbouncer_serve.py" in services["pgbouncer"]["command"]


def test_kubernetes_app_goes_through_pgbouncer_and_the_migration_job_does_not():
    secret = _secret_data()
    assert _host(secret["DATABASE_URL"]) == "zargar-pgbouncer"
    assert _host(secret["DIRECT_DATABASE_URL"]) != "zargar-pgbouncer"
    (config,) = _of_kind("ConfigMap")
    assert config["data"]["DATABASE_POOL_MODE"] == "transaction"
    (job,) = _of_kind("Job")
    (container,) = _containers(job)
    env = {entry["name"]: entry for entry in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "DIRECT_DATABASE_URL"
    assert env["DATABASE_POOL_MODE"]["value"] == "session"
    service = _named("Service", "zargar-pgbouncer")
    pods = _pod_spec(_named("Deployment", "zargar-pgbouncer"))
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "pgbouncer"
    assert pods["containers"][0]["args"][0] == "scripts/pgbouncer_serve.py"
    assert service["spec"]["ports"][0]["port"] == 6432
