"""The release under test: a new column and an index, as a real upgrade adds.
The short sleep keeps each schema's transaction open long enough for the test
to see the workers' connections at once."""
from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("upgrade_probe", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="probe", name="weight",
            field=models.DecimalField(decimal_places=3, default=Decimal("0"), max_digits=10),
        ),
        migrations.AddIndex(model_name="probe", index=models.Index(fields=["weight"], name="probe_weight_idx")),
        migrations.RunSQL("SELECT pg_sleep(0.4)", reverse_sql=migrations.RunSQL.noop),
    ]
