"""
A real PgBouncer in transaction pooling mode in front of this session's test
database, and the project's connections pointed at it.

Two pooled databases: `single` has ONE server connection (pool_size=1), so
every client through it shares it and two shops' transactions interleave on
it; the test database's own name has a few, for tests that hold a
transaction open while another connection works (Django's `db` fixture).

The tests run where a `pgbouncer` binary is found: PGBOUNCER=path (make test
exports what scripts/pgbouncer.sh unpacks), PATH, or var/pgbouncer.
"""
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from django.db import connection, connections

from tests.pgbouncer import PGBOUNCER, SINGLE, PgBouncer  # noqa: F401 - SINGLE for the tests

if not PGBOUNCER:
    pytest.skip("no pgbouncer binary (scripts/pgbouncer.sh, or set PGBOUNCER=/path/to/pgbouncer)", allow_module_level=True)


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup):
    server = PgBouncer(dict(connections.settings["default"])).start()
    yield server
    server.stop()


@contextmanager
def default_through(pgbouncer, database: str, django_db_blocker):
    """Points this process's default connection, in every thread, at
    PgBouncer's `database`, in transaction mode."""
    settings = connections.settings["default"]
    keys = ("HOST", "PORT", "NAME", "POOL_MODE", "DISABLE_SERVER_SIDE_CURSORS")
    saved = {key: settings.get(key) for key in keys}
    with django_db_blocker.unblock():
        connection.close()
    settings.update(HOST="127.0.0.1", PORT=str(pgbouncer.port), NAME=database, POOL_MODE="transaction",
                    DISABLE_SERVER_SIDE_CURSORS=True)
    try:
        yield pgbouncer
    finally:
        with django_db_blocker.unblock():
            connection.close()
        settings.update(saved)


@pytest.fixture(scope="module")
def through_pgbouncer(pgbouncer, django_db_blocker):
    """The module's tests reach the database through PgBouncer (a pool of a
    few server connections: Django's `db` holds one for the whole test)."""
    with default_through(pgbouncer, pgbouncer.name, django_db_blocker) as server:
        yield server


class PooledClient:
    """A thread of its own with a Django connection of its own (alias
    `alias`), kept between calls: call(fn) runs fn there and returns."""

    def __init__(self, alias: str):
        self.alias, self.thread = alias, ThreadPoolExecutor(max_workers=1)

    def call(self, fn, *args):
        return self.thread.submit(fn, *args).result(timeout=60)

    def close(self):
        self.call(lambda: connections[self.alias].close())
        self.thread.shutdown()


@pytest.fixture
def pooled_alias(pgbouncer, django_db_blocker):
    """pooled_alias(database, pool_mode) -> a new DATABASES alias through PgBouncer."""
    aliases = []

    def add(database: str, pool_mode: str) -> str:
        alias = f"pooled_{len(aliases)}"
        connections.settings[alias] = pgbouncer.settings(database, pool_mode)
        aliases.append(alias)
        return alias

    with django_db_blocker.unblock():
        yield add
    for alias in aliases:
        del connections.settings[alias]
