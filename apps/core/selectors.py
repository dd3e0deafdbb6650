"""Reads for operators: the state of background work, per shop."""
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.models import DeadLetter, JobRun
from apps.core.outbox import outbox_backlog


def shop_list_active() -> QuerySet:
    """The shops that take background work (tenant model rows), as the
    selector named by settings.SHOP_LIST_ACTIVE defines them. Public schema."""
    return import_string(settings.SHOP_LIST_ACTIVE)()


def job_run_latest(*, job: str) -> JobRun | None:
    """The current shop's latest run of `job`."""
    return JobRun.objects.filter(job=job).order_by("-started_at", "-id").first()


def dead_letters_open() -> "list[DeadLetter]":
    with schema_context(get_public_schema_name()):
        return list(DeadLetter.objects.filter(resolved=False).order_by("-failed_at", "-id"))


@dataclass(frozen=True)
class ShopBackground:
    schema_name: str
    name: str
    unpublished: int
    oldest_unpublished: datetime | None
    dead_letters_open: int
    last_reconciliation: JobRun | None


def background_status(*, schema_names: list[str] | None = None) -> list[ShopBackground]:
    """Per active shop: outbox backlog, open dead letters, last stock
    reconciliation. A few queries per shop, for operators' pages."""
    with schema_context(get_public_schema_name()):
        shops = shop_list_active().order_by("schema_name")
        if schema_names:
            shops = shops.filter(schema_name__in=schema_names)
        shops = list(shops)
        dead = dict(DeadLetter.objects.filter(resolved=False).values("schema_name").annotate(n=Count("id")).values_list("schema_name", "n"))
    status = []
    for shop in shops:
        with schema_context(shop.schema_name):
            backlog = outbox_backlog()
            status.append(ShopBackground(
                schema_name=shop.schema_name, name=shop.name, unpublished=backlog["unpublished"],
                oldest_unpublished=backlog["oldest"], dead_letters_open=dead.get(shop.schema_name, 0),
                last_reconciliation=job_run_latest(job=JobRun.Job.STOCK_RECONCILIATION),
            ))
    return status
