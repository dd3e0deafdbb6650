"""Reads for the POS API and the terminals page."""
from django.db import connection
from django.db.models import Prefetch, QuerySet

from apps.branches.models import Terminal
from apps.pos_sync.models import Device


def change_number_latest() -> int:
    """The newest change number handed out in this shop (0 before any)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM sync_change_seq")
        return cursor.fetchone()[0]


def terminal_list() -> QuerySet[Terminal]:
    """Terminals with their enrolled (not revoked) device, branch by branch."""
    active_devices = Device.objects.filter(revoked_at__isnull=True)
    return Terminal.objects.select_related("branch").prefetch_related(
        Prefetch("devices", queryset=active_devices, to_attr="active_devices")
    ).order_by("branch__created_at", "number")
