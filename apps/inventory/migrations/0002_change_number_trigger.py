from django.db import migrations

# The stamping function lives in core (0002).
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
        *(
            migrations.RunSQL(_trigger(table), f"DROP TRIGGER IF EXISTS {table}_stamp_change_number ON {table};")
            for table in TABLES
        ),
    ]
