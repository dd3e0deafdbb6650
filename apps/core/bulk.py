"""
Set-wise inserts through PostgreSQL COPY, for the few hot paths (a POS push
writes hundreds of rows in one transaction). Rows are plain dicts keyed by
field attname, so no model instance is built: that, and skipping SQL
compilation, is where the time goes in bulk_create. Returns nothing: primary
keys are chosen by the caller (UUIDs) or by the database.
"""
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb


def copy_insert(model: type[models.Model], rows: list[dict]) -> None:
    """Inserts `rows` into `model`'s table. A field missing from a row gets
    its default (called per row when callable) or, for auto_now(_add), now.
    No signals, no save(): for models whose writers are all services."""
    if not rows:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    fields = [f for f in fields if f.attname in rows[0] or f.db_default is models.NOT_PROVIDED]
    fillers = {}
    for field in fields:
        if field.attname in rows[0]:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fillers[field.attname] = lambda now=now: now
        elif field.has_default() and callable(field.default):
            fillers[field.attname] = field.default
        else:
            constant = field.get_default()
            fillers[field.attname] = lambda constant=constant: constant
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    # Raw psycopg COPY: wrap its errors into Django's (IntegrityError, ...).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for name in names:
                    value = row[name] if name in row else fillers[name]()
                    if name in json_fields and value is not None:
                        value = Jsonb(value)
                    values.append(value)
                copy.write_row(values)
