from django.db import migrations

# Every synced row (items, categories, customers, gold rates) is stamped from
# one per-shop sequence when it changes, so POS pull cursors never depend on a
# clock. The names are unqualified and bound late (::text), so they resolve
# through search_path to the active shop's own sequence, in cloned shops too.
#
# Stamping also takes a shared per-shop advisory lock until the transaction
# ends. A pull first waits, with the exclusive form, for every transaction
# that stamped a number to end: after that no change number at or below the
# one it read can still appear, so a page never skips a late commit.
FORWARD = """
CREATE SEQUENCE IF NOT EXISTS sync_change_seq;

CREATE OR REPLACE FUNCTION zargar_stamp_change_number() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('zargar-changes:' || current_schema()));
    NEW.change_number := nextval('sync_change_seq'::text);
    RETURN NEW;
END;
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS zargar_stamp_change_number();
DROP SEQUENCE IF EXISTS sync_change_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
