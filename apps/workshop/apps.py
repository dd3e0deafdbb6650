from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "apps.workshop"
    label = "workshop"
    verbose_name = "Workshop"
