from decimal import Decimal

from django.db import migrations

TIERS = [
    ("bronze", "Bronze", 0, Decimal("1.00")),
    ("silver", "Silver", 1_000, Decimal("1.25")),
    ("gold", "Gold", 5_000, Decimal("1.50")),
    ("platinum", "Platinum", 20_000, Decimal("2.00")),
]


def seed(apps, schema_editor):
    LoyaltyTier = apps.get_model("customers", "LoyaltyTier")
    for code, name, threshold, multiplier in TIERS:
        # A shop that already changed its tiers keeps its terms.
        LoyaltyTier.objects.get_or_create(
            code=code, defaults={"name": name, "threshold_points": threshold, "multiplier": multiplier}
        )


def unseed(apps, schema_editor):
    apps.get_model("customers", "LoyaltyTier").objects.filter(code__in=[t[0] for t in TIERS], customers__isnull=True).delete()


class Migration(migrations.Migration):
    """Every customer starts in bronze, so the tiers exist before any customer."""

    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
