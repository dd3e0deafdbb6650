from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("branches", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Probe",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40)),
            ],
        ),
    ]
