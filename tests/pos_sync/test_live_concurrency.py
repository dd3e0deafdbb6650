"""
Concurrency of the sync API, proven against a live server: gunicorn worker
processes on this session's database, real HTTP, real client threads (the
reference terminal). Everything happens in a shop made for this module and
dropped at its end.
"""
import json
import socket
import threading
import uuid
from collections import Counter
from decimal import Decimal

import httpx
import pytest
from django.db.models import Sum

from apps.branches.services import terminal_create
from apps.inventory.models import Item, StockMovement
from apps.inventory.services import gold_rate_set, item_create
from apps.pos_sync.services import enrollment_code_issue
from apps.review.models import ReviewItem
from apps.sales.models import Sale
from pos_terminal.client import Terminal
from tests.conftest import child_env, drop_shops_committed, in_shop, run_committed
from tests.helpers import gunicorn_serving, shop_of_its_own
from tests.vectors import PLAIN_RING

pytestmark = pytest.mark.live_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(django_db_setup):
    with gunicorn_serving("--workers", "3", port=_free_port(), env=child_env()) as url:
        yield url


@pytest.fixture(scope="module")
def crowd_shop(django_db_setup, django_db_blocker):
    """A committed shop with 20 rings (10,000 each), one unique piece, a
    gold rate and 103 terminals, each with a fresh enrolment code."""
    tag = uuid.uuid4().hex[:8]
    domain = f"crowd-{tag}.localhost"

    def create():
        tenant, owner, branch, category = shop_of_its_own(f"crowd-{tag}", f"Crowd {tag}")
        common = dict(PLAIN_RING, actor=owner, category=category, branch=branch, stone_value=Decimal("0"))
        for n in range(20):
            item_create(**common, sku=f"RING-{n}", name=f"Ring {n}", quantity=10_000)
        item_create(**common, sku="ONE-OFF", name="Unique bangle", quantity=1, is_unique_piece=True)
        gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
        codes = [enrollment_code_issue(terminal=terminal_create(branch=branch, name=f"T{n}")).code for n in range(103)]
        return tenant, codes

    with django_db_blocker.unblock():
        tenant, codes = run_committed(create)
    yield domain, tenant, codes
    with django_db_blocker.unblock():
        drop_shops_committed(schema_name=tenant.schema_name)


def _enrolled(url, domain, code, path) -> Terminal:
    terminal = Terminal(path, url, domain, timeout=120, max_attempts=10, backoff_base=0.05, backoff_cap=1)
    terminal.enroll(code, name=path.stem)
    terminal.status()
    terminal.pull()
    return terminal


def test_a_hundred_devices_pushing_at_once(gunicorn, crowd_shop, tmp_path, django_db_blocker):
    domain, tenant, codes = crowd_shop
    terminals = [_enrolled(gunicorn, domain, code, tmp_path / f"d{n}.sqlite") for n, code in enumerate(codes[:100])]
    rings = [row["id"] for row in terminals[0].store.rows("items") if row["sku"].startswith("RING-")]
    sold = Counter()
    for n, terminal in enumerate(terminals):
        for k in range(10):
            lines = [(rings[(n + k + j) % len(rings)], 1) for j in range(1 + k % 3)]
            sold.update(item for item, _ in lines)
            terminal.sell(lines)
    paths = [terminal.store.path for terminal in terminals]
    for terminal in terminals:
        terminal.close()

    barrier, outcomes = threading.Barrier(len(paths)), []

    def push(path):
        with Terminal(path, timeout=120, max_attempts=10, backoff_base=0.05, backoff_cap=1) as terminal:
            barrier.wait()
            outcomes.append(terminal.push())

    threads = [threading.Thread(target=push, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)

    assert len(outcomes) == 100
    assert sum(o.applied for o in outcomes) == 1000
    assert sum(o.rejected + o.retry + o.pending for o in outcomes) == 0

    def check():
        sales = Sale.objects.filter(device__isnull=False)
        ledger = dict(StockMovement.objects.values_list("item_id").annotate(total=Sum("quantity_delta")))
        items = {str(i.pk): i for i in Item.objects.all()}
        return (
            sales.count(), sales.values("client_sale_id").distinct().count(),
            sorted(sales.values_list("invoice_number", flat=True)),
            {pk: (item.quantity, ledger[item.pk]) for pk, item in items.items()},
        )

    with django_db_blocker.unblock():
        count, distinct, numbers, stock = in_shop(tenant, check)
    assert count == distinct == 1000
    assert numbers == list(range(1, 1001))  # gapless, per branch
    for item_id, (quantity, ledger_sum) in stock.items():
        assert quantity == ledger_sum
        if item_id in sold:
            assert quantity == 10_000 - sold[item_id]


def test_the_same_batch_sent_fifty_times_from_ten_threads(gunicorn, crowd_shop, tmp_path, django_db_blocker):
    domain, tenant, codes = crowd_shop
    terminal = _enrolled(gunicorn, domain, codes[100], tmp_path / "dup.sqlite")
    ring = next(row["id"] for row in terminal.store.rows("items") if row["sku"] == "RING-0")
    for _ in range(20):
        terminal.sell([(ring, 1)])
    ops = terminal.store.pending(50)
    body = json.dumps({"batch_id": str(uuid.uuid4()), "operations": [
        {"seq": op.seq, "op_id": op.op_id, "type": op.type, "occurred_at": op.occurred_at, "payload": op.payload} for op in ops
    ]})
    headers = {"Host": domain, "Authorization": f"Device {terminal.device.token}", "Content-Type": "application/json"}
    device_id = terminal.device.device_id
    terminal.close()

    barrier, answers = threading.Barrier(10), []

    def send():
        with httpx.Client(timeout=120, trust_env=False) as http:
            barrier.wait()
            for _ in range(5):
                response = http.post(f"{gunicorn}/api/pos/v1/sync/push", content=body, headers=headers)
                answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)

    assert len(answers) == 50
    assert {status for status, _ in answers} <= {200, 409}
    accepted = [body for status, body in answers if status == 200]
    assert accepted, "at least one push got through"
    assert all(body["error"]["code"] == "sync_in_progress" for status, body in answers if status == 409)
    seen = {}
    for reply in accepted:
        for result in reply["results"]:
            assert result["status"] in ("applied", "duplicate")
            seen.setdefault(result["seq"], set()).add((result["server_id"], result["invoice_number"]))
    assert len(seen) == 20 and all(len(ids) == 1 for ids in seen.values())
    assert sum(r["status"] == "applied" for reply in accepted for r in reply["results"]) == 20

    def sales_of_device():
        return Sale.objects.filter(device_id=device_id).count()

    with django_db_blocker.unblock():
        assert in_shop(tenant, sales_of_device) == 20


def test_two_devices_sell_the_same_unique_piece_at_once(gunicorn, crowd_shop, tmp_path, django_db_blocker):
    domain, tenant, codes = crowd_shop
    pair = [_enrolled(gunicorn, domain, code, tmp_path / f"{name}.sqlite") for name, code in (("left", codes[101]), ("right", codes[102]))]
    piece = next(row["id"] for row in pair[0].store.rows("items") if row["sku"] == "ONE-OFF")
    for terminal in pair:
        terminal.sell([(piece, 1)])
    paths = [terminal.store.path for terminal in pair]
    for terminal in pair:
        terminal.close()

    barrier, outcomes = threading.Barrier(2), []

    def push(path):
        with Terminal(path, timeout=120) as terminal:
            barrier.wait()
            outcomes.append(terminal.push())

    threads = [threading.Thread(target=push, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sorted(o.applied for o in outcomes) == [1, 1]
    conflicts = [c for o in outcomes for c in o.conflicts]
    assert [(c["kind"], c["item_id"]) for c in conflicts] == [("oversold", piece)]

    def state():
        item = Item.objects.get(pk=piece)
        reviews = list(ReviewItem.objects.filter(kind="oversold", item=item).values_list("status", flat=True))
        return item.quantity, item.status, reviews

    with django_db_blocker.unblock():
        assert in_shop(tenant, state) == (-1, "sold", ["open"])
