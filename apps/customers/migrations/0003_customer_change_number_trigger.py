from django.db import migrations

# The stamping function lives in core (0002).
FORWARD = """
DROP TRIGGER IF EXISTS customers_customer_change_number ON customers_customer;
CREATE TRIGGER customers_customer_change_number
    BEFORE INSERT OR UPDATE ON customers_customer
    FOR EACH ROW EXECUTE FUNCTION zargar_stamp_change_number();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS customers_customer_change_number ON customers_customer;
"""


class Migration(migrations.Migration):
    """POS terminals pull customers changed since their cursor; the stamp
    comes from a sequence, never a clock."""

    dependencies = [
        ("customers", "0002_seed_loyalty_tiers"),
        ("core", "0002_change_number_sequence"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
