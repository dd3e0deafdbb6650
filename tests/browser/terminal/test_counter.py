"""A whole sale at the offline counter (issue 15): a customer created
offline, old gold taken in, two payments, on a receipt; and an operation the
server refuses, shown with its reason and never blocking the ones after it.
Debian's Chromium against a real gunicorn; figures read back from the
server's database."""
import json
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import needs_chromium, shot
from tests.browser.terminal.steps import scan, sell, synced, terminal_ready

pytestmark = [needs_chromium]


def test_a_new_customer_old_gold_and_two_payments_offline_arrive_as_one_sale(playwright_driver, terminal_shop, tmp_path):
    from apps.sales.models import Sale

    context, page = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter full")
    context.set_offline(True)
    scan(page, "RING-0")  # 51,554,400: gold 40,000,000, making 7,200,000, profit 3,304,000, VAT 1,050,400
    page.click("#customer-new summary")
    page.fill("#customer-new-form [name=full_name]", "Leila Ahmadi")
    page.fill("#customer-new-form [name=phone]", "۰۹۱۲۳۴۵۶۷۸۹")  # typed in Persian digits
    page.click("#customer-new-form button")
    expect(page.locator("#customer-chosen")).to_contain_text("Leila Ahmadi")
    page.keyboard.press("F4")
    page.keyboard.type("2")  # 2 g of 750 at 10,666,666.6667 a pure gram, less 2%: 15,680,000
    page.fill("#tradein-form [name=deduction]", "2")
    page.click("#tradein-form button")
    expect(page.locator("#tradein-list li")).to_have_count(1)
    page.select_option("#payment-method", "card")
    page.fill("#payment-amount", "10,000,000")
    page.click("#payment-form button")
    page.select_option("#payment-method", "cash")  # the rest, 25,874,400
    page.click("#checkout-button")
    expect(page.locator("#receipt-number")).not_to_have_text("")
    shot(page, "terminal-full-sale-offline")
    context.set_offline(False)
    synced(page)

    def read():
        sale = Sale.objects.select_related("customer").get(source="offline")
        return (sale.total, sale.customer.full_name if sale.customer else None, sale.customer.phone if sale.customer else None,
                sorted((p.method, p.amount) for p in sale.payments.all()), [t.value for t in sale.trade_ins.all()])

    total, customer, phone, payments, trade_ins = terminal_shop.query(read)
    assert total == Decimal("51554400")
    assert (customer, phone) == ("Leila Ahmadi", "+989123456789")  # the server keeps phones in E.164
    assert trade_ins == [Decimal("15680000")]
    assert payments == [("card", Decimal("10000000")), ("cash", Decimal("25874400")), ("old_gold", Decimal("15680000"))]
    expect(page.locator("#status-conflicts")).to_have_attribute("data-count", "0")  # no price or payment mismatch
    context.close()


def test_an_operation_the_server_refuses_is_shown_with_its_reason_and_the_next_sale_still_goes_through(playwright_driver, terminal_shop, tmp_path):
    from apps.review.models import ReviewItem
    from apps.sales.models import Sale

    context, page = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter refused")
    # A journal file whose one sale names an item the shop never had: the server can never apply it.
    bad = {"format": "zargar-terminal-journal", "version": 1, "device_id": "elsewhere", "operations": [{
        "op_id": "6f1f0a8e-0000-4000-8000-000000000001", "type": "sale.create", "occurred_at": "2026-12-03T10:00:00+03:30",
        "client_sale_id": "6f1f0a8e-0000-4000-8000-000000000002", "receipt_number": "X-000001",
        "payload": {"client_sale_id": "6f1f0a8e-0000-4000-8000-000000000002", "receipt_number": "X-000001", "customer": None,
                    "lines": [{"item_id": "6f1f0a8e-0000-4000-8000-0000000000ff", "quantity": 1, "gold_rate_id": None, "unit_price": "100"}],
                    "trade_ins": [], "payments": [{"method": "cash", "amount": "100"}], "total": "100"}}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    context.set_offline(True)
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#device-message")).to_have_attribute("data-count", "1")
    good = sell(page, "RING-2")
    context.set_offline(False)
    synced(page)
    refused = page.locator("#journal tbody tr[data-receipt='X-000001']")
    expect(refused).to_have_attribute("data-state", "rejected")
    expect(refused).to_contain_text("unknown_item")
    expect(page.locator("#journal tbody tr[data-receipt='%s']" % good)).to_have_attribute("data-state", "applied")
    expect(page.locator("#status-conflicts")).to_have_attribute("data-count", "1")
    shot(page, "terminal-rejected")
    assert terminal_shop.query(lambda: list(Sale.objects.filter(source="offline").values_list("receipt_number", flat=True))) == [good]
    assert terminal_shop.query(lambda: ReviewItem.objects.filter(kind="rejected").count()) == 1  # in the manager's review queue
    context.close()


def test_the_counter_warns_as_sales_wait_too_long_and_as_its_gold_rate_grows_old(playwright_driver, terminal_shop, tmp_path):
    import time

    context, page = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter warnings")
    # Persistent storage asked for; the counter says so when the browser refuses (headless Chromium does).
    persisted = page.evaluate("() => navigator.storage.persisted()")
    expect(page.locator("#warnings [data-key=persist]")).to_have_count(0 if persisted else 1)
    expect(page.locator("#warnings [data-key=offline_long]")).to_have_count(0)
    expect(page.locator("#warnings [data-key=rate]")).to_have_count(0)
    context.set_offline(True)
    sell(page, "RING-3")
    # Sixty hours on: the sale has waited past three quarters of max_offline_hours (72), the rate past the shop's 24 h.
    context.clock.set_fixed_time(time.time() + 60 * 3600)
    expect(page.locator("#warnings [data-key=offline_long]")).to_be_visible()
    expect(page.locator("#warnings [data-key=rate]")).to_be_visible()
    shot(page, "terminal-warnings")
    context.close()
