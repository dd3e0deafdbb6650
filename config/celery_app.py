"""
The Celery app. Tasks sent from inside a shop carry that shop's schema in
their headers (tenant-schemas-celery), and the worker runs them in it.
After a lost broker connection, workers give back what they held and sweep
the outbox at once (apps.core.broker). Workers log as the web does
(settings.LOGGING: LOG_FORMAT, and each line's shop and task id), not in
Celery's own format.
"""
import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp

from apps.core.broker import BrokerRecovery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = CeleryApp("zargar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["consumer"].add(BrokerRecovery)


@signals.setup_logging.connect
def _django_logging(**kwargs):
    """Connected, so Celery leaves the root logger to Django's LOGGING."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
