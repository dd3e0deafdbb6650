from django.db import migrations

# Generic on purpose: any synced table with a `change_number` column can use
# it (customers reuse it with the same CREATE OR REPLACE). The sequence name is
# unqualified and bound late (::text) so it resolves through search_path to
# the sequence of the shop whose schema is active.
STAMP_FUNCTION = """
CREATE OR REPLACE FUNCTION zargar_stamp_change_number() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_number := nextval('sync_change_seq'::text);
    RETURN NEW;
END;
$$;
"""

TABLES = ("inventory_category", "inventory_item")


def _trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_stamp_change_number BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION zargar_stamp_change_number();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_change_number_sequence"),
        ("inventory", "0001_initial"),
    ]

    operations = [
        # Reversing leaves the function: other apps' triggers may use it.
        migrations.RunSQL(STAMP_FUNCTION, migrations.RunSQL.noop),
        *(
            migrations.RunSQL(_trigger(table), f"DROP TRIGGER IF EXISTS {table}_stamp_change_number ON {table};")
            for table in TABLES
        ),
    ]
