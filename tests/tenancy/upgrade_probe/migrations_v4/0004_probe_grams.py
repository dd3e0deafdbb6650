"""A second column, for the crash test: the sleep keeps each schema's
transaction open long enough to kill the run between two schemas."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("upgrade_probe", "0003_probe_fill")]
    operations = [
        migrations.AddField(model_name="probe", name="grams", field=models.IntegerField(null=True)),
        migrations.RunSQL("SELECT pg_sleep(0.5)", reverse_sql=migrations.RunSQL.noop),
    ]
