"""ReviewItem moves to apps.review (its migration 0001 takes the model over).
State only: the table pos_sync_reviewitem, its rows, index and constraints
stay exactly as they are."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('pos_sync', '0005_time_ordered_ids'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ReviewItem')],
            database_operations=[],
        ),
    ]
