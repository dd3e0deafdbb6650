"""
Finding the shops that have background work, instead of sending one task to
every shop on every tick (docs/background-work.md).

Two ways, one for each kind of job:

- The dirty set, for the outbox's 30-second sweep: a Redis set on the broker
  (`outbox:dirty:<queue>`) holding the schema names of shops whose outbox got
  events. `relay_hand_off` adds the shop on the connection it sends the
  hand-off on; the tick takes the whole set at once (SPOP, atomic: two ticks
  never take the same mark) and sends a sweep to each shop in it. A sweep that
  leaves events behind (too young for its grace, or over its time budget)
  marks the shop again, so a mark is only ever gone once the shop's outbox was
  seen empty after it was taken.
- Work filters, for the rare full checks: one SQL query per chunk of
  SHOP_WORK_CHUNK schemas, `SELECT '<schema>' WHERE EXISTS (SELECT 1 FROM
  "<schema>".<table> WHERE <condition>) UNION ALL ...`, each an index probe.
  The database is the truth, so they find work that left no mark (a hand-off
  that failed while Redis was down). Each app owns its filter (the outbox
  backlog, stock moved, new review items, recent sales); settings.SHOP_WORK_FILTERS
  names them, as core imports no domain app.

A query over N schemas takes N table locks plus one per index: the chunk
keeps that far below the lock table (max_locks_per_transaction x
max_connections), and each chunk runs in its own statement, so its locks go
when it ends.
"""
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from psycopg import sql

logger = logging.getLogger(__name__)

DIRTY_KEY = "outbox:dirty"
_TAKE_AT_MOST = 1_000_000  # SPOP's count: the whole set


# --------------------------------------------------------------------------
# The dirty set (on the broker)
# --------------------------------------------------------------------------


def dirty_key() -> str:
    """Per queue, like the recovery key: test sessions and helpers sharing a Redis do not mix."""
    from config.celery_app import app

    return f"{DIRTY_KEY}:{app.conf.task_default_queue}"


def dirty_mark(*, client, schema_names: Iterable[str]) -> None:
    """Marks these shops for the next tick's sweep. `client` is the broker's
    Redis client (a producer's `channel.client`)."""
    names = sorted(set(schema_names))
    if names:
        client.sadd(dirty_key(), *names)


def dirty_mark_here(*, schema_name: str) -> None:
    """Marks a shop from a worker (or a command), on a broker connection of
    the app's pool. Never raises: with the broker down the full check finds the shop."""
    from config.celery_app import app

    try:
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2, timeout=2)
            dirty_mark(client=producer.channel.client, schema_names=[schema_name])
    except Exception:  # noqa: BLE001 - the broker is what failed; the full check is the backstop
        logger.warning("Could not mark %s dirty; the full check will find its unpublished events.", schema_name, exc_info=True)


def dirty_take(*, client) -> list[str]:
    """Takes (removes) every mark at once and returns the schema names."""
    taken = client.spop(dirty_key(), _TAKE_AT_MOST) or []
    return sorted(name.decode() if isinstance(name, bytes) else name for name in taken)


# --------------------------------------------------------------------------
# Work filters (in the database)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkFilter:
    """Shops have work when a row of `table` (in their schema) matches
    `condition`, an SQL expression with %(name)s placeholders filled from `params`."""

    table: str
    condition: str
    params: dict


def work_filter(name: str, *, now: datetime, kwargs: dict) -> WorkFilter:
    """The filter named `name` in settings.SHOP_WORK_FILTERS, for a fan-out
    at `now` of a task called with `kwargs`."""
    path = settings.SHOP_WORK_FILTERS.get(name)
    if path is None:
        raise ImproperlyConfigured(f"No shop work filter {name!r} in SHOP_WORK_FILTERS ({sorted(settings.SHOP_WORK_FILTERS)}).")
    make: Callable[..., WorkFilter] = import_string(path)
    return make(now=now, kwargs=kwargs)


def _schemas_with_table(schemas: list[str], table: str) -> list[str]:
    """The schemas that have `table` (a shop being created or dropped may not): one catalog query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = %s AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) ORDER BY n.nspname",
            [table, schemas],
        )
        return [row[0] for row in cursor.fetchall()]


def shops_with_work(*, schemas: list[str], found: WorkFilter, chunk: int | None = None) -> list[str]:
    """Those of `schemas` whose `found.table` has a row matching the filter,
    in one query per `chunk` schemas (SHOP_WORK_CHUNK)."""
    chunk = chunk or settings.SHOP_WORK_CHUNK
    existing = _schemas_with_table(list(schemas), found.table) if schemas else []
    condition = sql.SQL(found.condition)
    with_work: list[str] = []
    for start in range(0, len(existing), chunk):
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {name} WHERE EXISTS (SELECT 1 FROM {table} WHERE {condition})").format(
                name=sql.Literal(schema), table=sql.Identifier(schema, found.table), condition=condition)
            for schema in existing[start:start + chunk]
        )
        with connection.cursor() as cursor:
            cursor.execute(query.as_string(cursor.connection), found.params or None)
            with_work.extend(row[0] for row in cursor.fetchall())
    return with_work


def shops_for(*, only: str | None, schemas: list[str], kwargs: dict | None = None) -> list[str]:
    """`schemas` narrowed to those with work by the filter `only` (None: all of them)."""
    if not only:
        return schemas
    return shops_with_work(schemas=schemas, found=work_filter(only, now=timezone.now(), kwargs=kwargs or {}))
