from django.db import migrations


class Migration(migrations.Migration):
    """One sequence per shop schema: every synced row is stamped from it when
    it changes, so POS pull cursors never depend on a clock."""

    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS sync_change_seq",
            "DROP SEQUENCE IF EXISTS sync_change_seq",
        ),
    ]
