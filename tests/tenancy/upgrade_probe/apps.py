from django.apps import AppConfig


class UpgradeProbeConfig(AppConfig):
    name = "tests.tenancy.upgrade_probe"
    label = "upgrade_probe"
    default_auto_field = "django.db.models.BigAutoField"
