"""The shop isolation tests (tests/tenancy/test_isolation.py) again, every
query of this process through PgBouncer in transaction mode."""
import pytest
from django.db import connection

from tests.tenancy.test_isolation import *  # the same tests, run here through the pooler

pytestmark = pytest.mark.usefixtures("through_pgbouncer")


def test_these_tests_reach_the_database_through_pgbouncer(through_pgbouncer, db):
    connection.ensure_connection()
    clients = [row for row in through_pgbouncer.admin("SHOW CLIENTS") if row["database"] == through_pgbouncer.name]
    assert clients and connection.settings_dict["PORT"] == str(through_pgbouncer.port)
