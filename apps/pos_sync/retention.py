"""
Retention of the POS operation log, one step of the nightly retention run
(settings.RETENTION_STEPS, run by apps.core.retention). Deletes in batches so
no statement holds locks for long.

A terminal that did not get the answer to a push sends it again, and the log
is what lets the server answer "duplicate" with the first result instead of
applying twice. So an operation is deleted only when ALL of these hold:

- it was received more than POS_OPERATION_RETENTION_DAYS ago, and more than
  POS_MAX_OFFLINE_HOURS ago (a terminal may hold a push that long);
- its seq is below its device's last_applied_seq: the last operation of each
  device is always kept, so the device's newest results still replay;
- no review item points at it (the review queue keeps its evidence).

Deleting the rows never loses a fact (sales, stock moves are their own
tables) and never risks a double: `op_id`, `client_sale_id` and the device
sequence stay unique, and an operation below last_applied_seq is never
applied again; an old replay is answered as a mismatch instead.
"""
from datetime import timedelta

from django.conf import settings
from django.db import connection

from apps.pos_sync.models import Device, Operation
from apps.review.models import ReviewItem

BATCH = 5000

_OPERATIONS_SQL = """
DELETE FROM {operation} WHERE id IN (
    SELECT o.id FROM {operation} o JOIN {device} d ON d.id = o.device_id
    WHERE o.received_at < %s AND o.seq < d.last_applied_seq
      AND NOT EXISTS (SELECT 1 FROM {review} r WHERE r.operation_id = o.id)
    LIMIT %s
)
"""


def operations_delete_old(*, before) -> int:
    quote = connection.ops.quote_name
    sql = _OPERATIONS_SQL.format(operation=quote(Operation._meta.db_table), device=quote(Device._meta.db_table),
                                 review=quote(ReviewItem._meta.db_table))
    deleted = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [before, BATCH])
            deleted += cursor.rowcount
            if cursor.rowcount < BATCH:
                return deleted


def operations_retention(*, now) -> dict[str, int]:
    """The retention step: the old operation log of the current shop."""
    before = now - max(timedelta(days=settings.POS_OPERATION_RETENTION_DAYS), timedelta(hours=settings.POS_MAX_OFFLINE_HOURS))
    return {"operations": operations_delete_old(before=before)}
