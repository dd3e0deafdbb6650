"""
The one writer of `SchemaMigrationState` and the reads `migrate_shops` makes
of the schemas' migration history.

A schema's state is a digest of its applied migrations (SHA-256 of
"app.name" joined by commas in app, name order), computed by PostgreSQL, for
many schemas at once; `blueprint.template_state()` is the template's.
The template's state is the target: a shop whose recorded state equals it is
up to date and skipped without being read. A record is written in the same
transaction that applies a schema's migrations, so it can never claim more
than the schema holds; a stale or missing record only makes the schema be
read again.
"""
from django.db import connection
from django.utils import timezone

from apps.tenancy.models import Tenant
from apps.tenancy.schema_sql import quoted

_TABLE = '"public"."tenancy_schemamigrationstate"'
# Hashes several schemas' history per query; each part reads one small table.
_STATE_BATCH = 200


# A blueprint and a state record of one template state carry this one key.
_STATE_OF = (
    "SELECT %s, encode(sha256(convert_to(coalesce("
    "string_agg(app || '.' || name, ',' ORDER BY app, name), ''), 'UTF8')), 'hex') "
    "FROM {table}"
)


def _state_sql(schema: str) -> str:
    return _STATE_OF.format(table=f"{quoted(schema)}.django_migrations")


def schemas_with_history(schemas: list[str]) -> set[str]:
    """The schemas among these that exist and have a `django_migrations` table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        return {row[0] for row in cursor.fetchall()}


def schema_states_read(schemas: list[str]) -> dict[str, str]:
    """Each schema's state, computed from its `django_migrations` by the
    server (a UNION of one small aggregate per schema, a few hundred per query).
    Every schema must have the table (`schemas_with_history`)."""
    states: dict[str, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), _STATE_BATCH):
            batch = schemas[start:start + _STATE_BATCH]
            cursor.execute(" UNION ALL ".join(_state_sql(s) for s in batch), batch)
            states.update(dict(cursor.fetchall()))
    return states


def schema_state_read_in_transaction(schema: str) -> str:
    """One schema's state as the current transaction sees it."""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(schema), [schema])
        return cursor.fetchone()[1]


def schema_history_read(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quoted(schema)}.django_migrations")
        return set(cursor.fetchall())


def schemas_to_check(*, target: str, recheck: bool = False) -> list[str]:
    """The one query that skips up-to-date shops: every shop schema whose
    recorded state is not the target (or every shop schema with `recheck`)."""
    shops = Tenant.objects.exclude(schema_name="public").filter(is_template=False)
    with connection.cursor() as cursor:
        sql, params = shops.values("schema_name").query.sql_with_params()
        cursor.execute(
            f"SELECT t.schema_name FROM ({sql}) t LEFT JOIN {_TABLE} s ON s.schema_name = t.schema_name "
            "WHERE %s OR s.state IS DISTINCT FROM %s ORDER BY t.schema_name",
            [*params, recheck, target],
        )
        return [row[0] for row in cursor.fetchall()]


def schema_states_record(*, schemas: list[str], state: str) -> None:
    """Records that these schemas are at `state`, in the caller's transaction
    (a record already there is left as it is)."""
    if not schemas:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (schema_name, state, migrated_at) SELECT s, %s, %s FROM unnest(%s::text[]) s "
            "ON CONFLICT (schema_name) DO UPDATE SET state = EXCLUDED.state, migrated_at = EXCLUDED.migrated_at "
            f"WHERE {_TABLE}.state IS DISTINCT FROM EXCLUDED.state",
            [state, timezone.now(), list(schemas)],
        )


def schema_state_copy(*, schema: str, source: str) -> None:
    """A schema cloned from `source` starts at the source's recorded state
    (provisioning calls this in the transaction that clones it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (schema_name, state, migrated_at) SELECT %s, state, %s FROM {_TABLE} "
            "WHERE schema_name = %s ON CONFLICT (schema_name) DO UPDATE SET state = EXCLUDED.state, "
            "migrated_at = EXCLUDED.migrated_at",
            [schema, timezone.now(), source],
        )
