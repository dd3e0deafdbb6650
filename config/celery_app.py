"""
The Celery app. Tasks sent from inside a shop carry that shop's schema in
their headers (tenant-schemas-celery), and the worker runs them in it.
"""
import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("zargar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
