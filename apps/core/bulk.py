"""
Set-wise inserts through PostgreSQL COPY, for the few hot paths (a POS push
writes hundreds of rows in one transaction). Rows are plain dicts keyed by
field attname, so no model instance is built: that, and skipping SQL
compilation, is where the time goes in bulk_create. Returns nothing: primary
keys are chosen by the caller (UUIDs) or by the database.

`as_read_back` turns a row written so into the model instance PostgreSQL
would give back for it, for a writer that answers with what it wrote
without reading it again.
"""
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb


def copy_insert(model: type[models.Model], rows: list[dict]) -> None:
    """Inserts `rows` into `model`'s table. A field missing from a row gets
    its default (called per row when callable) or, for auto_now(_add), now,
    and is added to the row: each row then holds every value written.
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
                    if name not in row:
                        row[name] = fillers[name]()
                    value = row[name]
                    if name in json_fields and value is not None:
                        value = Jsonb(value)
                    values.append(value)
                copy.write_row(values)


def _jsonb(value):
    """`value` as jsonb gives it back: an object's keys shorter first, then
    by their bytes (PostgreSQL does not keep the order they were written in)."""
    if isinstance(value, dict):
        return {k: _jsonb(value[k]) for k in sorted(value, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(value, list | tuple):
        return [_jsonb(v) for v in value]
    return value


def as_read_back(model: type[models.Model], row: dict) -> models.Model:
    """The instance a read of `row` (as completed by `copy_insert`) would
    build: decimals at their column's scale, rounded as numeric rounds (half
    away from zero), JSON in jsonb's key order; not `_state.adding`."""
    values = []
    for field in model._meta.concrete_fields:
        value = row[field.attname]
        if value is not None and isinstance(field, models.DecimalField):
            value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places), rounding=ROUND_HALF_UP)
        elif value is not None and isinstance(field, models.JSONField):
            value = _jsonb(value)
        values.append(value)
    return model.from_db(connection.alias, None, values)
