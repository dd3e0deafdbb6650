"""Settings for migrate_shops' test subprocesses: the test settings plus the
probe app at release UPGRADE_PROBE_STEP (0: not installed)."""
from config.settings.test import *
from config.settings.test import INSTALLED_APPS, TENANT_APPS, env

_STEP = env("UPGRADE_PROBE_STEP", "0")
if _STEP != "0":
    TENANT_APPS = [*TENANT_APPS, "tests.tenancy.upgrade_probe"]
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenancy.upgrade_probe"]
    MIGRATION_MODULES = {"upgrade_probe": f"tests.tenancy.upgrade_probe.migrations_v{_STEP}"}
