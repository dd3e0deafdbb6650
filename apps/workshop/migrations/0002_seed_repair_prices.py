"""A price-list row for every service, at 0 until the shop sets its prices."""
from django.db import migrations

KINDS = ("sizing", "soldering", "polishing", "stone_setting", "engraving", "plating")


def seed(apps, schema_editor):
    RepairPrice = apps.get_model("workshop", "RepairPrice")
    for kind in KINDS:
        RepairPrice.objects.get_or_create(kind=kind)


class Migration(migrations.Migration):
    dependencies = [("workshop", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
