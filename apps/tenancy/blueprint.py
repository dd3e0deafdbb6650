"""
A new shop's schema in constant time.

django-tenants clones the template schema with a PL/pgSQL function that asks
`information_schema` about every column; those views scan the catalog of every
schema, so each new shop costs more than the last (31 s a shop at 1,000 shops),
and then it fakes the migrations with a full `migrate_schemas` run.

Instead, the template's DDL is taken once per migration state with pg_dump and
kept in the public schema (`SchemaBlueprint`). A new shop's schema is that DDL
replayed under the shop's name, then the template's rows copied (migration
history, content types, permissions, groups, loyalty tiers) and its sequences
set to the same values, all in the caller's transaction: provisioning stays
all-or-nothing, and the schema is the template's object for object, constraint
names, sequences and triggers included (pg_dump keeps every name).

`blueprint_refresh()` runs after the template is migrated (a deploy); a shop
created first after a migration makes the blueprint itself when it finds none
for the template's state.
"""
from django.conf import settings
from django.db import connection

from apps.tenancy.models import SchemaBlueprint
from apps.tenancy.schema_sql import SESSION_PREFIXES, quoted, schema_dump, schema_renamed
from apps.tenancy.upgrade_state import schema_state_read_in_transaction

TEMPLATE_SCHEMA = settings.TENANT_BASE_SCHEMA

# pg_dump's session settings and psql's meta-commands (schema_sql), and the schema itself.
_DROPPED_PREFIXES = SESSION_PREFIXES + ("CREATE SCHEMA ",)


def migrations_applied(schema: str = TEMPLATE_SCHEMA) -> list[str]:
    """`app.name` of every migration applied to `schema`, sorted."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app || '.' || name FROM {quoted(schema)}.django_migrations ORDER BY app, name")
        return [row[0] for row in cursor.fetchall()]


def template_state(schema: str = TEMPLATE_SCHEMA) -> str:
    """A digest of the migrations applied to the template (or to `schema`):
    the key of its DDL, and the target of `migrate_shops` (upgrade_state)."""
    return schema_state_read_in_transaction(schema)


def _ddl_of_template() -> str:
    dump = schema_dump(connection, schema=TEMPLATE_SCHEMA, schema_only=True)
    return "\n".join(line for line in dump.splitlines() if not line.startswith(_DROPPED_PREFIXES))


def blueprint_refresh() -> SchemaBlueprint:
    """The blueprint of the template as it is now (made if missing)."""
    state = template_state()
    found = SchemaBlueprint.objects.filter(state=state).first()
    if found is not None:
        return found
    blueprint = SchemaBlueprint(state=state, ddl=_ddl_of_template())
    # Two shops made at once after a deploy may both dump; either row will do.
    SchemaBlueprint.objects.bulk_create([blueprint], ignore_conflicts=True)
    SchemaBlueprint.objects.exclude(state=state).delete()  # earlier states make no more shops
    return SchemaBlueprint.objects.get(state=state)


_TEMPLATE_CONTENTS = """
    SELECT c.relname, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %s AND c.relkind IN ('r', 'S')
    ORDER BY c.relname
"""


def _rows_copy_sql(schema: str) -> str:
    """The template's rows and sequence positions, copied into `schema`."""
    source, target = quoted(TEMPLATE_SCHEMA), quoted(schema)
    with connection.cursor() as cursor:
        cursor.execute(_TEMPLATE_CONTENTS, [TEMPLATE_SCHEMA])
        relations = cursor.fetchall()
    statements = []
    for name, kind in relations:
        name = quoted(name)
        if kind == "r":
            statements.append(f"INSERT INTO {target}.{name} OVERRIDING SYSTEM VALUE SELECT * FROM {source}.{name};")
        else:
            statements.append(
                f"SELECT pg_catalog.setval('{target}.{name}', last_value, is_called) FROM {source}.{name};"
            )
    return "\n".join(statements)


def blueprint_apply(*, schema_name: str) -> None:
    """Creates `schema_name` as a copy of the template, in the current
    transaction (the caller's `transaction.atomic()` makes it all-or-nothing)."""
    if not connection.in_atomic_block:
        raise RuntimeError("blueprint_apply must run inside a transaction")
    with connection.cursor() as cursor:
        # A migration of the template records itself in this table: holding
        # it still until commit keeps the DDL, the history and the rows
        # copied here of one migration state (a deploy's migration waits).
        cursor.execute(f"LOCK TABLE {quoted(TEMPLATE_SCHEMA)}.django_migrations IN SHARE MODE")
    blueprint = blueprint_refresh()
    ddl = schema_renamed(blueprint.ddl, old=TEMPLATE_SCHEMA, new=schema_name)
    with connection.cursor() as cursor:
        # One round trip for the whole DDL (psycopg sends a query without
        # parameters as one simple-protocol message); SET LOCAL ends with
        # the transaction.
        cursor.execute(
            "SET LOCAL check_function_bodies = false;\n"
            f"CREATE SCHEMA {quoted(schema_name)};\n{ddl}\n{_rows_copy_sql(schema_name)}"
        )
