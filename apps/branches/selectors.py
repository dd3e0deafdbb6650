from django.db.models import Prefetch, QuerySet

from apps.branches.models import Branch, Terminal
from apps.pos_sync.models import Device


def branch_list() -> QuerySet[Branch]:
    return Branch.objects.filter(is_active=True).order_by("created_at")


def terminal_list() -> QuerySet[Terminal]:
    active_devices = Device.objects.filter(revoked_at__isnull=True)
    return Terminal.objects.select_related("branch").prefetch_related(
        Prefetch("devices", queryset=active_devices, to_attr="active_devices")
    ).order_by("branch__created_at", "number")
