from django.db import migrations

# Unqualified nextval: the function runs with the shop's search_path, so
# each shop stamps from its own sequence (core 0002), including shops
# cloned from the template schema.
FORWARD = """
CREATE OR REPLACE FUNCTION customers_stamp_change_number() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_number := nextval('sync_change_seq');
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS customers_customer_change_number ON customers_customer;
CREATE TRIGGER customers_customer_change_number
    BEFORE INSERT OR UPDATE ON customers_customer
    FOR EACH ROW EXECUTE FUNCTION customers_stamp_change_number();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS customers_customer_change_number ON customers_customer;
DROP FUNCTION IF EXISTS customers_stamp_change_number();
"""


class Migration(migrations.Migration):
    """POS terminals pull customers changed since their cursor; the stamp
    comes from a sequence, never a clock."""

    dependencies = [
        ("customers", "0002_seed_loyalty_tiers"),
        ("core", "0002_change_number_sequence"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
