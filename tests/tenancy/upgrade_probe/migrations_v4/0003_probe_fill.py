"""A data migration: RunPython cannot be replayed as SQL, so migrate_shops
runs it with Django's MigrationExecutor on each schema."""
from django.db import migrations


def fill(apps, schema_editor):
    apps.get_model("upgrade_probe", "Probe").objects.create(name="filled")


class Migration(migrations.Migration):
    dependencies = [("upgrade_probe", "0002_probe_weight")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
