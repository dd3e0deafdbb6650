"""ReviewItem, taken over from pos_sync (pos_sync 0006 drops it from its
state). State only: the table stays pos_sync_reviewitem, created by pos_sync
0002, with its index and constraint names; nothing is written to the schema.
The content type is renamed so permissions and admin history follow the model."""
import apps.core.ids
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor, source='pos_sync', target='review'):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model='reviewitem').exists():
        ContentType.objects.using(db).filter(app_label=source, model='reviewitem').update(app_label=target)


def content_type_back(apps, schema_editor):
    content_type_follows(apps, schema_editor, source='review', target='pos_sync')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('inventory', '0004_time_ordered_ids'),
        ('pos_sync', '0006_reviewitem_moves_to_review'),
        ('sales', '0002_time_ordered_ids'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReviewItem',
                    fields=[
                        ('id', models.UUIDField(default=apps.core.ids.ledger_id, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('oversold', 'Oversold'), ('price_mismatch', 'Price mismatch'), ('stale', 'Stale (older than the offline limit)'), ('unknown_customer', 'Unknown customer'), ('rejected', 'Rejected operation'), ('stock_drift', 'Stock differs from its ledger'), ('points_unreversed', 'Points could not be taken back')], max_length=20)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved')], default='open', max_length=10)),
                        ('details', models.JSONField(default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('resolution_note', models.TextField(blank=True)),
                        ('device', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pos_sync.device')),
                        ('item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.item')),
                        ('operation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='review_items', to='pos_sync.operation')),
                        ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('sale', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='review_items', to='sales.sale')),
                    ],
                    options={
                        'db_table': 'pos_sync_reviewitem',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['status', 'created_at'], name='pos_sync_review_status')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('resolved_at__isnull', True), ('status', 'open')), models.Q(('resolved_at__isnull', False), ('status', 'resolved')), _connector='OR'), name='pos_sync_review_resolution_consistent')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_back, elidable=True),
    ]
