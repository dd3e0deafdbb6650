from django.apps import AppConfig


class PosSyncConfig(AppConfig):
    name = "apps.pos_sync"
    label = "pos_sync"
    verbose_name = "POS sync"

    def ready(self):
        from apps.pos_sync import schema  # noqa: F401  registers the OpenAPI auth scheme
