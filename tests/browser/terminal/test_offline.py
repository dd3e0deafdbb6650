"""The browser counter as an enrolled POS terminal, offline (issue 15):
Debian's Chromium against a real gunicorn, the network cut with
context.set_offline, the browser closed and opened again on its profile."""
import re

from django.db.models import Sum
from playwright.sync_api import expect

from tests.browser.conftest import needs_chromium, shot
from tests.browser.terminal.steps import CASHIER, enrol, open_profile, sell, sign_in, synced
from tests.conftest import PASSWORD

pytestmark = [needs_chromium]
INVOICE = re.compile(r"^[A-Z0-9]+-\d{6}$")  # the server's invoice label; until then, "invoice number pending"


def _server_sales(terminal_shop):
    from apps.inventory.models import Item, StockMovement
    from apps.sales.models import Sale

    def read():
        sales = list(Sale.objects.filter(source="offline").values_list("invoice_number", "receipt_number", "client_sale_id"))
        ledger = dict(StockMovement.objects.values_list("item__sku").annotate(total=Sum("quantity_delta")))
        stock = dict(Item.objects.values_list("sku", "quantity"))
        return sales, ledger, stock

    return terminal_shop.query(read)


def test_twenty_sales_offline_survive_closing_the_browser_and_reach_the_server_once(playwright_driver, terminal_shop, tmp_path):
    profile = tmp_path / "profile"
    context = open_profile(playwright_driver, profile, terminal_shop.url)
    page = context.pages[0] if context.pages else context.new_page()
    enrol(page, terminal_shop.code("Counter 1"))
    sign_in(page)
    synced(page, items=6)
    context.set_offline(True)
    expect(page.locator("#status-line")).to_have_attribute("data-state", "offline")
    receipts = [sell(page, f"RING-{n % 5}") for n in range(20)]
    assert len(set(receipts)) == 20
    expect(page.locator("#status-pending")).to_have_attribute("data-count", "20")
    expect(page.locator("#receipt-invoice")).not_to_have_text(INVOICE)
    shot(page, "terminal-offline-20-pending")
    context.close()

    # Opened again with the network still down: the page comes from the service worker, the sales from IndexedDB.
    context = open_profile(playwright_driver, profile, terminal_shop.url, offline=True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/pos/terminal/")
    # Offline, the password is checked against the hash kept at the online sign-in: a wrong one, or
    # staff who never signed in on this browser, stay out.
    said = page.evaluate("() => JSON.parse(document.getElementById('terminal-strings').textContent)")
    for email, password, refusal in ((CASHIER, "not-the-password", "wrong_login"), (f"owner@{terminal_shop.key}.test", PASSWORD, "never_here")):
        page.fill("#signin-form [name=email]", email)
        page.fill("#signin-form [name=password]", password)
        page.click("#signin-form button")
        expect(page.locator("#signin-error")).to_have_text(said[refusal])
        expect(page.locator("#counter")).to_be_hidden()
    sign_in(page)
    expect(page.locator("#status-pending")).to_have_attribute("data-count", "20")
    assert _server_sales(terminal_shop)[0] == []
    context.set_offline(False)
    synced(page)
    sales, ledger, stock = _server_sales(terminal_shop)
    assert len(sales) == 20
    assert len({invoice for invoice, _, _ in sales}) == 20
    assert sorted(receipt for _, receipt, _ in sales) == sorted(receipts)
    assert stock == ledger
    assert sum(100 - stock[f"RING-{n}"] for n in range(5)) == 20
    # The receipt reprinted now carries the invoice number the server gave it.
    row = page.locator("#journal tbody tr").first
    expect(row.locator("td").nth(1)).to_have_text(INVOICE)
    row.get_by_role("button").click()
    expect(page.locator("#receipt-invoice")).to_have_text(INVOICE)
    context.close()
