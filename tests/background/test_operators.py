"""What operators see and do: `outbox_status`, `deadletter_retry`,
`outbox_sweep`, the platform admin's dead letters and background status
page, and the shop admin's job runs."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.deadletters import DEAD_LETTER_HEADER, dead_letter_record, dead_letter_resolve
from apps.core.models import DeadLetter, OutboxEvent
from apps.core.outbox import relay_breaker_reset
from apps.core.services import outbox_events_add
from apps.inventory.tasks import stock_reconcile_task
from tests.conftest import SHOPS

SALE = {"sale_id": "00000000-0000-0000-0000-000000000002", "customer_id": None}


def dead_letter(schema: str, **overrides) -> DeadLetter:
    values = dict(task_name="customers.loyalty_events", task_id="t-1", args=[], kwargs={"event_ids": ["e-1"]},
                  schema_name=schema, exception="RuntimeError: boom", traceback="Traceback ...", attempts=7)
    values.update(overrides)
    return dead_letter_record(**values)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def shop_state(shop_a, shop_b):
    """Shop A: three more events waiting and a reconciliation; a dead letter in each shop."""
    connection.set_tenant(shop_a)
    outbox_events_add(events=[("sale.applied", SALE)] * 3)
    stock_reconcile_task()
    connection.set_schema_to_public()
    return dead_letter(shop_a.schema_name), dead_letter(shop_b.schema_name, task_name="reports.daily_sales_events")


def backlog(shop) -> int:
    with schema_context(shop.schema_name):
        return OutboxEvent.objects.filter(published_at__isnull=True).count()


def test_outbox_status_shows_backlog_dead_letters_and_last_reconciliation_per_shop(shop_state, shop_a, shop_b):
    text = run("outbox_status")
    line_a = next(line for line in text.splitlines() if line.startswith(shop_a.schema_name))
    line_b = next(line for line in text.splitlines() if line.startswith(shop_b.schema_name))
    assert int(line_a.split()[1]) == backlog(shop_a) >= 3 and "drift=" in line_a
    assert int(line_b.split()[1]) == backlog(shop_b) and line_b.split()[3] == "1"
    assert f"open dead letters: {DeadLetter.objects.filter(resolved=False).count()}" in text and "RuntimeError: boom" in text

    data = json.loads(run("outbox_status", "--shop", SHOPS["a"]["domain"], "--json"))
    [shop] = data["shops"]
    assert (shop["schema"], shop["outbox_backlog"], shop["dead_letters_open"]) == (shop_a.schema_name, backlog(shop_a), 1)
    assert shop["last_reconciliation"]["items_checked"] >= 0
    assert [d["task"] for d in data["dead_letters"]] == ["customers.loyalty_events"]


def test_deadletter_retry_sends_the_task_again_into_its_shop(shop_state, broker_queue):
    letter, _ = shop_state
    relay_breaker_reset()
    text = run("deadletter_retry", "--id", str(letter.pk))
    assert f"#{letter.pk} customers.loyalty_events in {letter.schema_name} sent again as" in text

    [(task, headers, kwargs)] = broker_queue()
    assert (task, kwargs) == ("customers.loyalty_events", {"event_ids": ["e-1"]})
    assert headers["_schema_name"] == letter.schema_name and headers[DEAD_LETTER_HEADER] == letter.pk
    letter.refresh_from_db()
    assert letter.retried_at is not None and not letter.resolved  # open until the run succeeds

    with pytest.raises(CommandError, match="No open dead letter with id 999999"):
        run("deadletter_retry", "--id", "999999")


def test_a_dead_letter_rerun_that_fails_again_updates_the_same_record_and_success_closes_it(shop_state):
    letter, _ = shop_state
    again = dead_letter(letter.schema_name, attempts=3, exception="RuntimeError: still", dead_letter_id=letter.pk)
    assert again.pk == letter.pk and (again.attempts, again.exception) == (10, "RuntimeError: still")
    assert dead_letter_resolve(dead_letter_id=letter.pk) is True
    assert dead_letter_resolve(dead_letter_id=letter.pk) is False
    letter.refresh_from_db()
    assert letter.resolved and letter.resolved_at is not None
    assert DeadLetter.objects.filter(pk__in=[letter.pk, shop_state[1].pk]).count() == 2  # both in the public schema


def test_dead_letters_of_a_shop_that_is_gone_are_refused(db, broker_queue):
    letter = dead_letter("no_such_shop")
    with pytest.raises(CommandError):
        run("deadletter_retry", "--id", str(letter.pk))
    assert broker_queue() == []
    letter.refresh_from_db()
    assert letter.retried_at is None


def test_outbox_sweep_command_relays_the_backlog_now(shop_state, shop_a, broker_queue):
    waiting = backlog(shop_a)
    text = run("outbox_sweep", "--shop", shop_a.schema_name)
    assert text.strip() == f"{shop_a.schema_name}: {waiting} event(s) relayed"
    assert sorted(task for task, _, _ in broker_queue()) == ["customers.loyalty_events", "reports.daily_sales_events"]
    with schema_context(shop_a.schema_name):
        assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()


def test_the_platform_admin_lists_dead_letters_and_the_background_status(shop_state, operator_client, shop_a):
    listing = operator_client.get("/admin/core/deadletter/")
    assert listing.status_code == 200
    assert b"customers.loyalty_events" in listing.content and b"reports.daily_sales_events" in listing.content

    page = operator_client.get("/admin/core/deadletter/background/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<strong id="open-dead-letters">{DeadLetter.objects.filter(resolved=False).count()}</strong>' in html
    row = html[html.index(f"<td>{shop_a.schema_name}</td>"):]
    assert f'<td class="backlog">{backlog(shop_a)}</td>' in row[:200]


def test_the_retry_action_of_the_platform_admin(shop_state, operator_client, broker_queue):
    letter, _ = shop_state
    relay_breaker_reset()
    response = operator_client.post("/admin/core/deadletter/", {"action": "retry", "_selected_action": [letter.pk]}, follow=True)
    assert response.status_code == 200
    assert b"1 task(s) sent again" in response.content
    assert [task for task, _, _ in broker_queue()] == ["customers.loyalty_events"]


def test_shop_admins_see_their_job_runs_and_outbox_but_never_dead_letters(shop_state, shop_a, client_a):
    connection.set_tenant(shop_a)
    client_a.force_login(User.objects.get(email=SHOPS["a"]["owner"]))  # the session lives in the shop's schema
    connection.set_schema_to_public()

    runs = client_a.get("/admin/core/jobrun/")
    assert runs.status_code == 200 and b"Stock reconciliation" in runs.content
    waiting = client_a.get("/admin/core/outboxevent/?relayed=no")
    assert waiting.status_code == 200 and f"{backlog(shop_a)} outbox events".encode() in waiting.content
    assert client_a.get("/admin/core/deadletter/").status_code == 404
