"""
Two shops on ONE server connection (PgBouncer `single`, pool_size=1, in
transaction mode): django-tenants' session-level search_path leaks from one
shop to the other; the per-transaction one (DATABASE_POOL_MODE=transaction,
apps/core/db/base.py) keeps them apart under real threads interleaving.
"""
import itertools
import threading

import psycopg
import pytest
from django.db import connections, transaction

from apps.branches.models import Branch
from apps.tenancy.models import Tenant
from tests.helpers import SHOPS
from tests.pooling.conftest import SINGLE, PooledClient

# Each shop's branches (tests/conftest.py makes them); B has no Bazaar, A no Airport.
BRANCHES = {"a": ["Bazaar", "Main"], "b": ["Airport", "Main"]}


@pytest.fixture
def shops(django_db_blocker):
    with django_db_blocker.unblock():
        return {key: Tenant.objects.get(domains__domain=spec["domain"]) for key, spec in SHOPS.items()}


def branches(alias, shop=None):
    """What the ORM sees on this thread's connection `alias`, in `shop` if given."""
    if shop is not None:
        connections[alias].set_tenant(shop)
    return sorted(Branch.objects.using(alias).values_list("name", flat=True))


def server_search_path(pgbouncer, reset=False) -> str:
    """The session search_path a new client finds on the one server
    connection (after putting back the server's default, with reset)."""
    with psycopg.connect(pgbouncer.url(SINGLE), autocommit=True) as raw:
        if reset:
            raw.execute("RESET search_path")
        return raw.execute("SHOW search_path").fetchone()[0]


def clients(pooled_alias, pool_mode, count=2):
    return [PooledClient(pooled_alias(SINGLE, pool_mode)) for _ in range(count)]


def test_the_session_search_path_of_django_tenants_leaks_to_another_shop(pgbouncer, pooled_alias, shops):
    """The old way (a SET search_path once per connection and schema): A's
    connection reads B's rows once B's client set its path on the server
    connection they share. This is why transaction mode exists."""
    a, b = clients(pooled_alias, "session")
    try:
        assert a.call(branches, a.alias, shops["a"]) == BRANCHES["a"]
        assert b.call(branches, b.alias, shops["b"]) == BRANCHES["b"]
        assert a.call(branches, a.alias) == BRANCHES["b"]  # shop A's query answered from shop B
        assert server_search_path(pgbouncer).startswith(shops["b"].schema_name)
    finally:
        a.close(), b.close()


def test_the_per_transaction_search_path_keeps_each_shop_in_its_own_schema(pgbouncer, pooled_alias, shops):
    a, b = clients(pooled_alias, "transaction")
    default = server_search_path(pgbouncer, reset=True)
    try:
        assert a.call(branches, a.alias, shops["a"]) == BRANCHES["a"]
        assert b.call(branches, b.alias, shops["b"]) == BRANCHES["b"]
        assert a.call(branches, a.alias) == BRANCHES["a"]
        assert b.call(branches, b.alias) == BRANCHES["b"]
        # Nothing is left on the server connection for its next client.
        assert server_search_path(pgbouncer) == default == '"$user", public'
        assert pgbouncer.servers(SINGLE) == 1
    finally:
        a.close(), b.close()


def test_a_write_in_autocommit_reports_its_row_count(pooled_alias, shops):
    """The statement's own result, not the SET LOCAL's, reaches Django."""
    (a,) = clients(pooled_alias, "transaction", count=1)

    def rename_main(alias):
        connections[alias].set_tenant(shops["b"])
        return Branch.objects.using(alias).filter(name="Main").update(name="Main")

    try:
        assert a.call(rename_main, a.alias) == 1
    finally:
        a.close()


def test_a_transaction_sets_its_path_once_and_again_where_it_could_be_lost(pooled_alias, shops):
    a, b = clients(pooled_alias, "transaction")
    try:
        seen = a.call(_transaction_walk, a.alias, shops)
        assert seen == {"first": BRANCHES["a"], "again": BRANCHES["a"], "other shop": BRANCHES["b"],
                        "in savepoint": BRANCHES["a"], "after savepoint rollback": BRANCHES["a"],
                        "after commit": BRANCHES["a"]}
        assert b.call(branches, b.alias, shops["b"]) == BRANCHES["b"]
        assert a.call(branches, a.alias) == BRANCHES["a"]
    finally:
        a.close(), b.close()


def _transaction_walk(alias, shops):
    seen = {}
    with transaction.atomic(using=alias):
        seen["first"] = branches(alias, shops["a"])
        seen["again"] = branches(alias)
        seen["other shop"] = branches(alias, shops["b"])  # a new shop inside the transaction: SET LOCAL again
        try:
            with transaction.atomic(using=alias):
                seen["in savepoint"] = branches(alias, shops["a"])
                raise ZeroDivisionError
        except ZeroDivisionError:
            pass
        # The rollback to the savepoint undid its SET LOCAL (the server is
        # back on B's path) while the connection stays in shop A.
        seen["after savepoint rollback"] = branches(alias)
    seen["after commit"] = branches(alias)
    return seen


def test_two_shops_interleaving_on_one_server_connection_never_read_each_other(pgbouncer, pooled_alias, shops):
    """Five threads through one server connection, two per shop and one
    switching shops every round: autocommit reads and atomic blocks, every
    answer checked against the shop asked for."""
    rounds, order, log, wrong = 120, itertools.count(), [], []
    start = threading.Barrier(5)

    def worker(alias, keys):
        start.wait()
        for n in range(rounds):
            key = keys[n % len(keys)]
            log.append((next(order), key))
            if n % 3:
                got = [branches(alias, shops[key])]
            else:
                with transaction.atomic(using=alias):
                    got = [branches(alias, shops[key]), branches(alias)]
            wrong.extend((key, names) for names in got if names != BRANCHES[key])

    plan = [["a"], ["a"], ["b"], ["b"], ["a", "b"]]
    workers = clients(pooled_alias, "transaction", count=len(plan))
    before = pgbouncer.transactions(SINGLE)
    try:
        futures = [w.thread.submit(worker, w.alias, keys) for w, keys in zip(workers, plan)]
        for future in futures:
            future.result(timeout=300)
    finally:
        for w in workers:
            w.close()
    assert wrong == []
    in_order = [key for _, key in sorted(log)]
    assert sum(1 for x, y in itertools.pairwise(in_order) if x != y) > rounds  # the shops really took turns
    assert pgbouncer.servers(SINGLE) == 1
    assert pgbouncer.transactions(SINGLE) - before >= len(plan) * rounds
