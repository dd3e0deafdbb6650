from django.apps import AppConfig


class PosSyncConfig(AppConfig):
    name = "apps.pos_sync"
    label = "pos_sync"
