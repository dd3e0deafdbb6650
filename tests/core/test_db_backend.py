"""The database backend's transaction mode (apps/core/db/base.py), straight
to PostgreSQL: what it refuses, and that it leaves the session alone. The
proof behind a real PgBouncer is in tests/pooling."""
import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import ProgrammingError, connection

from apps.tenancy.models import Tenant
from tests.helpers import SHOPS


@pytest.fixture
def pooled(django_db_setup, django_db_blocker):
    """A connection of its own in transaction mode (outside the test's transaction)."""
    with django_db_blocker.unblock():
        other = connection.copy("pooled")
        other.settings_dict.update(POOL_MODE="transaction", DISABLE_SERVER_SIDE_CURSORS=True)
        shop = Tenant.objects.get(domains__domain=SHOPS["a"]["domain"])
        other.set_tenant(shop)
        yield other
        other.close()


@pytest.mark.parametrize("option, value", [("server_side_binding", True), ("prepare_threshold", 5), ("assume_role", "x")])
def test_transaction_mode_refuses_options_that_keep_state_on_the_server_connection(option, value):
    other = connection.copy("pooled")
    other.settings_dict.update(POOL_MODE="transaction", OPTIONS={option: value})
    with pytest.raises(ImproperlyConfigured, match=option):
        other.get_connection_params()


def test_each_statement_carries_the_shop_and_the_session_keeps_its_own_path(pooled):
    with pooled.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        assert cursor.fetchone()[0] == f"{pooled.schema_name}, public"
        cursor.execute("SELECT count(*) FROM branches_branch WHERE name = %s", ["Bazaar"])
        assert cursor.fetchone()[0] == 1
        # The session itself was never changed: the next client of a pooled
        # server connection inherits nothing.
        cursor.execute("RESET search_path; SELECT 1")  # its own transaction: the RESET is all it has
        raw = pooled.connection.execute("SHOW search_path").fetchone()[0]
    assert raw == '"$user", public'


def test_copy_and_executemany_outside_a_transaction_are_refused_clearly(pooled):
    with pooled.cursor() as cursor:
        with pytest.raises(psycopg.ProgrammingError, match="must run in a transaction"):
            cursor.cursor.copy("COPY branches_branch (name) FROM STDIN")
        with pytest.raises(ProgrammingError, match="must run in a transaction"):
            cursor.executemany("SELECT %s", [[1], [2]])


def test_executemany_in_a_transaction_runs_in_the_shop(pooled):
    pooled.set_autocommit(False)
    try:
        with pooled.cursor() as cursor:
            cursor.executemany("UPDATE branches_branch SET name = name WHERE name = %s", [["Bazaar"], ["Main"]])
            cursor.execute("SELECT count(*) FROM branches_branch WHERE name IN ('Bazaar', 'Main')")
            assert cursor.fetchone()[0] == 2
    finally:
        pooled.rollback()
        pooled.set_autocommit(True)
