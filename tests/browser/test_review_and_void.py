"""In Chromium, in English (the manager) and Persian (the owner): a review
entry resolved by counting the stock (a bad count first, shown on the form),
and an invoice voided only after its confirmation. Screenshots of the pages
at 820 and 1366 px go to test-artifacts/browser/."""
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DOMAIN, log_in, needs_chromium, shot
from tests.conftest import run_committed
from tests.vectors import RING

pytestmark = needs_chromium
_numbers = itertools.count(1)
USERS = {"en": "manager@browser.test", "fa": "owner@browser.test"}  # the owner reads the shop's Persian


def _in_shop(fn, *args):
    def run():
        from django.db import connection

        from apps.tenancy.models import Tenant

        connection.set_tenant(Tenant.objects.get(domains__domain=DOMAIN))
        return fn(*args)

    return run_committed(run)


def _offline_sale(quantity_in_stock: int, sold: int) -> dict:
    """A terminal's sale pushed through the real sync API: selling more than
    the stock opens an `oversold` review entry."""
    from rest_framework.test import APIClient

    from apps.accounts.models import User
    from apps.branches.models import Branch
    from apps.branches.services import terminal_create
    from apps.inventory.models import Category
    from apps.inventory.selectors import gold_rate_current
    from apps.inventory.services import item_create
    from apps.pos_sync.services import device_enroll, enrollment_code_issue
    from apps.review.models import ReviewItem
    from apps.sales.models import Sale
    from tests.pos_sync.ops import op, push, sale_payload

    n = next(_numbers)
    owner = User.objects.get(email="owner@browser.test")
    branch = Branch.objects.order_by("created_at").first()
    terminal = terminal_create(branch=branch, name=f"Till {n}")
    device = device_enroll(code=enrollment_code_issue(terminal=terminal).code, name=f"Tablet {n}")
    item = item_create(**{**RING, "actor": owner, "category": Category.objects.get(name="Rings"), "branch": branch,
                          "sku": f"RV-{n}", "name": f"Review ring {n}", "quantity": quantity_in_stock})
    client = APIClient(HTTP_HOST=DOMAIN)
    client.credentials(HTTP_AUTHORIZATION=f"Device {device.token}")
    body = push(client, [op(1, sale_payload([(item, gold_rate_current(), sold)]))]).json()
    assert body["results"][0]["status"] == "applied", body
    sale = Sale.objects.get(pk=body["results"][0]["server_id"])
    entry = ReviewItem.objects.filter(kind="oversold", item=item).first()
    return {"item": str(item.pk), "sale": str(sale.pk), "entry": str(entry.pk) if entry else None}


def _counter_sale() -> dict:
    """A sale at the counter by the manager (sale_create, as the counter does)."""
    from apps.accounts.models import User
    from apps.branches.models import Branch
    from apps.inventory.models import Category
    from apps.inventory.services import item_create
    from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote

    n = next(_numbers)
    owner, manager = User.objects.get(email="owner@browser.test"), User.objects.get(email="manager@browser.test")
    branch = Branch.objects.order_by("created_at").first()
    item = item_create(**{**RING, "actor": owner, "category": Category.objects.get(name="Rings"), "branch": branch,
                          "sku": f"RV-{n}", "name": f"Void ring {n}", "quantity": 3})
    lines = [LineInput(item_id=item.pk)]
    total = sale_quote(lines=lines).total
    sale = sale_create(actor=manager, branch=branch, lines=lines, payments=[PaymentInput(method="cash", amount=total)])
    return {"item": str(item.pk), "sale": str(sale.pk)}


def _stock(item_id: str) -> tuple[int, int]:
    from apps.inventory.models import Item
    from apps.inventory.selectors import item_ledger_sum

    item = Item.objects.get(pk=item_id)
    return item.quantity, item_ledger_sum(item)


def _sale_status(sale_id: str) -> str:
    from apps.sales.models import Sale

    return Sale.objects.get(pk=sale_id).status


def _shots(page, name: str):
    for width in (820, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_oversold_entry_is_resolved_by_counting_the_stock(page, language):
    made = _in_shop(_offline_sale, 1, 2)
    assert _in_shop(_stock, made["item"]) == (-1, -1)
    log_in(page, USERS[language])
    page.goto("/review/")
    card = page.locator(f"#review-{made['entry']}")
    expect(card).to_be_visible()
    expect(card.locator(".review-sale")).to_have_attribute("href", f"/sales/{made['sale']}/")
    expect(card.locator(".review-item-link")).to_have_attribute("href", f"/inventory/{made['item']}/")
    expect(card.locator(".review-terminal")).to_be_visible()
    assert "item_id" not in card.inner_text() and "quantity_after" not in card.inner_text()
    _shots(page, f"review-queue-{language}")

    fix = card.locator(f"#stock_counted-{made['entry']}")
    fix.locator("summary").click()
    fix.locator("input[name=new_quantity]").fill("-3")
    fix.locator("input[name=note]").fill("counted")
    fix.locator("button[type=submit]").click()
    card = page.locator(f"#review-{made['entry']}")
    expect(card.locator(".errors")).to_be_visible()  # a form error on the entry, shown open
    assert _in_shop(_stock, made["item"]) == (-1, -1)
    _shots(page, f"review-count-refused-{language}")

    fix = card.locator(f"#stock_counted-{made['entry']}")
    fix.locator("input[name=new_quantity]").fill("۲" if language == "fa" else "2")
    fix.locator("input[name=note]").fill("Two in the safe")
    fix.locator("button[type=submit]").click()
    expect(page.locator(".messages, .message, [role=status]").first).to_contain_text(
        "موجودی برابر شمارش شد" if language == "fa" else "The stock is set to the count")
    expect(page.locator(f"#review-{made['entry']}")).to_have_count(0)
    assert _in_shop(_stock, made["item"]) == (2, 2)

    page.goto("/review/?status=resolved")
    expect(page.locator(f"#review-{made['entry']} .review-resolution")).to_contain_text(
        "موجودی شمارش شد" if language == "fa" else "Stock counted")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_an_invoice_is_voided_only_after_confirming(page, language):
    made = _in_shop(_counter_sale)
    log_in(page, USERS[language])
    page.goto(f"/sales/{made['sale']}/")
    page.locator("#void-form input[name=reason]").fill("Wrong piece")
    page.locator("#void-form button[type=submit]").click()
    expect(page.locator("#void-confirm")).to_be_visible()
    _shots(page, f"void-confirm-{language}")
    assert _in_shop(_sale_status, made["sale"]) == "completed"

    page.locator("#void-cancel").click()  # keep it: back to the invoice, nothing changed
    expect(page).to_have_url(re.compile(f"/sales/{made['sale']}/$"))
    expect(page.locator("#void-form")).to_be_visible()
    assert _in_shop(_sale_status, made["sale"]) == "completed"

    page.locator("#void-form input[name=reason]").fill("Wrong piece")
    page.locator("#void-form button[type=submit]").click()
    page.locator("#void-confirm-button").click()
    expect(page.locator("#void-form")).to_have_count(0)
    assert _in_shop(_sale_status, made["sale"]) == "voided"
    assert _in_shop(_stock, made["item"]) == (3, 3)  # the piece is back


def _history_and_a_terminal():
    """A month of older rates (the one in force, set a day ago, stays) and a terminal."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from apps.accounts.models import User
    from apps.branches.models import Branch, Terminal
    from apps.branches.services import terminal_create
    from apps.inventory.models import GoldRate
    from apps.inventory.services import gold_rate_set

    owner = User.objects.get(email="owner@browser.test")
    if GoldRate.objects.count() < 5:
        for n, rate in enumerate(("7650000", "7720000", "7810000", "7790000", "7930000", "7980000")):
            gold_rate_set(actor=owner, base_rate=Decimal(rate), effective_at=timezone.now() - timedelta(days=32 - n * 5))
    if not Terminal.objects.exists():
        terminal_create(branch=Branch.objects.order_by("created_at").first(), name="Till chart")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_gold_rate_chart_and_the_enrolment_page(page, language):
    _in_shop(_history_and_a_terminal)
    log_in(page, USERS[language])
    page.goto("/gold-rate/")
    chart = page.locator("svg.line-chart")
    expect(chart).to_be_visible()
    assert chart.locator(".value-tick").count() >= 4 and chart.locator(".date-tick").count() >= 5
    digits = "۰۱۲۳۴۵۶۷۸۹" if language == "fa" else "0123456789"
    assert all(any(c in digits for c in t) for t in chart.locator("text").all_text_contents())
    _shots(page, f"gold-rate-{language}")
    page.goto("/terminals/")
    page.locator("#terminals form[action$='/code/'] button").first.click()
    expect(page.locator("#enrolment-qr svg")).to_be_visible()
    expect(page.locator("#server-address")).to_have_text(re.compile(r"^http://ui-browser\.localhost:\d+$"))
    _shots(page, f"enrolment-code-{language}")
