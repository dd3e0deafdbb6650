"""The terminal against the real server over HTTP (see `pos_server`).

Enrolment and status run on the session's shop A, cleaned up afterwards.
Push and pull run in a shop of their own, created for this module and dropped
at its end, because what a push writes (sales, invoices, stock moves) cannot
be picked out and deleted one by one."""
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.db import connection

from apps.branches.models import Branch, Terminal as TerminalRow
from apps.branches.services import terminal_create
from apps.core.models import AuditEntry
from apps.inventory.services import gold_rate_set, item_create
from apps.pos_sync.models import Device
from apps.pos_sync.services import device_revoke, enrollment_code_issue
from apps.tenancy.models import Tenant
from pos_terminal import DeviceRevoked, EnrollmentFailed, Terminal
from tests.conftest import SHOPS, drop_shops_committed, run_committed
from tests.helpers import shop_of_its_own
from tests.pos_terminal.conftest import ROOT
from tests.vectors import PLAIN_RING

SHOP_A = SHOPS["a"]["domain"]


def _in_shop(domain: str):
    connection.set_tenant(Tenant.objects.get(domains__domain=domain))


def committed_terminal(domain: str) -> tuple[str, str]:
    """A new terminal in the shop's Main branch and its enrolment code, committed."""

    def create():
        _in_shop(domain)
        terminal = terminal_create(branch=Branch.objects.get(name="Main"), name=f"Live {uuid.uuid4().hex[:8]}")
        return str(terminal.pk), enrollment_code_issue(terminal=terminal).code

    return run_committed(create)


def remove_terminal_committed(domain: str, terminal_id: str) -> None:
    def remove():
        _in_shop(domain)
        devices = [str(pk) for pk in Device.objects.filter(terminal_id=terminal_id).values_list("pk", flat=True)]
        AuditEntry.objects.filter(object_type="pos_sync.device", object_id__in=devices).delete()
        Device.objects.filter(terminal_id=terminal_id).delete()
        TerminalRow.objects.filter(pk=terminal_id).delete()  # its enrolment codes go with it

    run_committed(remove)


@pytest.fixture
def shop_a_terminal(shop_a):
    terminal_id, code = committed_terminal(SHOP_A)
    yield terminal_id, code
    remove_terminal_committed(SHOP_A, terminal_id)


def test_enroll_and_status_against_the_server(pos_server, shop_a_terminal, tmp_path):
    terminal_id, code = shop_a_terminal
    with Terminal(tmp_path / "t.sqlite", pos_server, SHOP_A) as terminal:
        device = terminal.enroll(code, "Counter Live", fingerprint="fp-live", app_version="1.0.0")
        before = datetime.now(dt_timezone.utc)
        status = terminal.status()
        after = datetime.now(dt_timezone.utc)

    assert device.receipt_prefix.startswith("B1T") and device.branch["name"] == "Main"
    assert status["device_id"] == device.device_id
    assert status["last_applied_seq"] == 0 and status["protocol_version"] == 1
    assert status["limits"]["max_operations_per_push"] == 200
    # The X-Device-Time header was sent: one clock on both sides, so the skew
    # is what the request took to arrive, never more than the whole call.
    assert -(after - before).total_seconds() - 0.1 <= status["clock_skew_seconds"] <= 0.1
    assert len(device.token) >= 43

    # The store remembers server and host: a later process needs neither.
    with Terminal(tmp_path / "t.sqlite") as later:
        assert later.status()["device_id"] == device.device_id
        assert later.store.meta_get("limits")["max_body_bytes"] == 1048576

    # The code was single use.
    with Terminal(tmp_path / "other.sqlite", pos_server, SHOP_A) as other:
        with pytest.raises(EnrollmentFailed) as refused:
            other.enroll(code, "Counter Again")
        assert refused.value.code == "enrollment_code_invalid"
        assert other.store.device() is None


def test_enrolment_refused_for_failed_codes_is_reported_not_retried(pos_server, shop_a, settings, tmp_path):
    settings.POS_ENROLL_FAILURES_PER_CODE = 1
    code, waits = uuid.uuid4().hex[:10].upper(), []
    with Terminal(tmp_path / "t.sqlite", pos_server, SHOP_A, sleep=waits.append) as terminal:
        with pytest.raises(EnrollmentFailed) as first:
            terminal.enroll(code, "Counter Typo")
        with pytest.raises(EnrollmentFailed) as again:
            terminal.enroll(code, "Counter Typo")
        assert terminal.store.device() is None
    assert (first.value.code, again.value.code) == ("enrollment_code_invalid", "enrollment_attempts_exceeded")
    assert waits == []  # told at once, not retried for the minutes the server asks to wait


def test_revoked_device_raises_device_revoked(pos_server, shop_a_terminal, tmp_path):
    terminal_id, code = shop_a_terminal
    with Terminal(tmp_path / "t.sqlite", pos_server, SHOP_A) as terminal:
        terminal.enroll(code, "Counter Revoked")

        def revoke():
            _in_shop(SHOP_A)
            return device_revoke(terminal=TerminalRow.objects.get(pk=terminal_id))

        assert run_committed(revoke) == 1
        with pytest.raises(DeviceRevoked):
            terminal.status()


def test_cli_enroll_and_status(pos_server, shop_a_terminal, tmp_path):
    terminal_id, code = shop_a_terminal
    db = str(tmp_path / "cli.sqlite")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pos_terminal", "--db", db, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)

    enrolled = cli("--server", pos_server, "--shop-host", SHOP_A, "enroll", "--code", code, "--name", "Counter CLI")
    assert enrolled.returncode == 0, enrolled.stderr
    assert "enrolled device" in enrolled.stdout
    status = cli("status")
    assert status.returncode == 0, status.stderr
    assert "last_applied_seq: 0" in status.stdout


# ----------------------------------------------------------------------
# pull and push, in a shop of this module's own
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stock_shop(django_db_setup, django_db_blocker):
    """A committed shop (IR, VAT 10, profit 7) holding the PRICING.md vector-1
    ring (50 in stock), a unique piece, and the rate 8,000,000 per gram of 750."""
    tag = uuid.uuid4().hex[:8]
    domain = f"hterm-{tag}.localhost"

    def create():
        tenant, owner, branch, category = shop_of_its_own(f"hterm-{tag}", f"POS terminal {tag}")
        common = dict(PLAIN_RING, actor=owner, category=category, branch=branch)
        item_create(**common, sku="RING-18K", name="Ring 18k", stone_value=Decimal("2000000"), quantity=50)
        item_create(**common, sku="ONE-OFF", name="Unique bangle", stone_value=Decimal("0"), quantity=1, is_unique_piece=True)
        gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
        return tenant.schema_name

    with django_db_blocker.unblock():
        schema = run_committed(create)
    yield domain
    with django_db_blocker.unblock():
        drop_shops_committed(schema_name=schema)


@pytest.fixture
def live(pos_server, stock_shop, db, tmp_path):
    """A factory of freshly enrolled terminals in the stock shop, pulled."""
    opened = []

    def new_terminal(name: str = "t") -> Terminal:
        _, code = committed_terminal(stock_shop)
        terminal = Terminal(tmp_path / f"{name}.sqlite", pos_server, stock_shop)
        terminal.enroll(code, f"Counter {name}")
        terminal.status()
        terminal.pull()
        opened.append(terminal)
        return terminal

    yield new_terminal
    for terminal in opened:
        terminal.close()


@pytest.fixture
def live_push(live):
    return live


def test_pull_brings_what_offline_pricing_needs(live):
    terminal = live()

    ring = terminal.store.item_find("RING-18K")
    assert {i["sku"] for i in terminal.store.rows("items")} >= {"RING-18K", "ONE-OFF"}
    assert (ring["fineness"], ring["net_weight"], ring["making_mode"], ring["pricing_mode"]) == (750, "5.000", "percent", "gold_rate")
    assert terminal.store.tax_rule()["regime"] == "IR"
    assert Decimal(terminal.gold_rate_current()["base_rate"]) == Decimal("8000000")
    lines, total = terminal.quote("RING-18K")
    assert total.total == Decimal("53754400")  # PRICING.md vector 1, offline

    again = terminal.pull()  # nothing changed since
    assert again.pages == 1 and not any(again.changes.get(k) for k in ("items", "gold_rates", "categories"))

    terminal.store.meta_set(pull_cursor="not-a-cursor-of-this-shop")
    resync = terminal.pull()
    assert resync.full_resync
    assert terminal.store.item_find("RING-18K") == ring


def test_pull_sell_offline_push(live_push):
    terminal = live_push()
    in_stock = terminal.store.item_find("RING-18K")["quantity"]

    sale = terminal.sell("RING-18K")
    assert sale.total == Decimal("53754400")  # PRICING.md vector 1, priced offline

    summary = terminal.push()
    [op] = terminal.store.operations()
    assert (summary.applied, summary.rejected, summary.pending, summary.last_applied_seq) == (1, 0, 0, 1)
    assert summary.conflicts == []
    assert op.state == "applied" and op.server_id and op.invoice_number
    assert terminal.status()["last_applied_seq"] == 1
    assert terminal.push().batches == 0

    terminal.pull()  # the sale moved stock; the change comes down
    assert terminal.store.item_find("RING-18K")["quantity"] == in_stock - 1


def test_answers_lost_in_a_crash_come_back_as_duplicates(live_push):
    terminal = live_push()
    for _ in range(3):
        terminal.sell("RING-18K")
    assert terminal.push().applied == 3
    first = [(op.op_id, op.server_id, op.invoice_number) for op in terminal.store.operations()]
    path = terminal.store.path
    terminal.close()

    # As if the process had died after the server answered, before the answers were stored.
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE operations SET state = 'pending', result = NULL, server_id = NULL, invoice_number = NULL, settled_at = NULL")

    with Terminal(path) as restarted:
        summary = restarted.push()
        again = [(op.op_id, op.server_id, op.invoice_number) for op in restarted.store.operations()]
        states = {op.state for op in restarted.store.operations()}
    assert (summary.duplicate, summary.applied) == (3, 0)
    assert again == first and states == {"duplicate"}


def test_a_rejected_sale_does_not_block_the_next(live_push):
    terminal = live_push()
    rate = terminal.gold_rate_current()
    bad = terminal.store.record_sale(lines=[{"item_id": str(uuid.uuid4()), "quantity": 1, "gold_rate_id": rate["id"], "unit_price": "1"}],
                                     payments=[{"method": "cash", "amount": "1"}], total="1")
    good = terminal.sell("RING-18K")

    summary = terminal.push()

    assert (summary.rejected, summary.applied) == (1, 1)
    assert summary.rejections[0]["errors"]
    assert terminal.store.operation(bad.seq).state == "rejected"
    assert terminal.store.operation(good.seq).state == "applied"
    assert terminal.push().batches == 0


def test_two_terminals_selling_one_unique_piece_offline_both_apply_with_a_conflict(live_push):
    first, second = live_push("first"), live_push("second")
    first.sell("ONE-OFF")
    second.sell("ONE-OFF")

    one, two = first.push(), second.push()

    assert one.applied == two.applied == 1
    assert one.conflicts == []
    assert [c["kind"] for c in two.conflicts] == ["oversold"]


def test_a_customer_created_offline_can_buy_in_the_same_push(live_push):
    terminal = live_push()
    phone = f"+98912{uuid.uuid4().int % 10**7:07d}"
    created = terminal.create_customer("Offline Buyer", phone)
    customer_id = created.payload["id"]
    sale = terminal.sell("RING-18K", customer_id=customer_id)
    assert sale.warnings == []  # the new customer is in the local catalogue at once

    summary = terminal.push()

    assert (summary.applied, summary.rejected) == (2, 0), summary
    assert terminal.store.operation(created.seq).server_id == customer_id
    assert not [c for c in summary.conflicts if c["kind"] == "unknown_customer"]
    terminal.pull()
    assert terminal.store.row("customers", customer_id)["phone"] == phone
