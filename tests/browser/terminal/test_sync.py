"""The browser terminal against the complaints about offline POS (issue 15):
two tabs, repeated checkouts, one piece sold by two browsers, a revoked
browser. Debian's Chromium against a real gunicorn; every count is read
back from the server's database."""
import json

from playwright.sync_api import expect

from tests.browser.conftest import needs_chromium, shot
from tests.browser.terminal.steps import enrol, scan, sell, sign_in, synced, terminal_ready

pytestmark = [needs_chromium]


def _sales(terminal_shop):
    from apps.sales.models import Sale

    return terminal_shop.query(lambda: list(Sale.objects.filter(source="offline").values("invoice_number", "receipt_number", "client_sale_id", "device_id")))


def _operations(terminal_shop):
    from apps.pos_sync.models import Operation

    return terminal_shop.query(lambda: list(Operation.objects.order_by("device_id", "seq").values_list("device_id", "seq", "type")))


def test_two_tabs_of_one_browser_selling_offline_never_share_a_sequence_number(playwright_driver, terminal_shop, tmp_path):
    context, first = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter tabs")
    pushes, in_flight = [], [0, 0]  # statuses; pushes in flight now, and at most, across both tabs

    def sent(request):
        if request.url.endswith("/sync/push"):
            in_flight[0] += 1
            in_flight[1] = max(in_flight)

    def done(request):
        if request.url.endswith("/sync/push"):
            in_flight[0] -= 1
            response = request.response()
            pushes.append(response.status if response else None)

    context.on("request", sent)
    context.on("requestfinished", done)
    context.on("requestfailed", done)
    second = context.new_page()
    second.goto("/pos/terminal/")
    sign_in(second)
    context.set_offline(True)
    for n in range(10):
        # Both checkouts in flight at once: the second click is sent before the first sale is journalled.
        for page in (first, second):
            scan(page, f"RING-{n % 5}")
            expect(page.locator("#checkout-button")).to_be_enabled()
        first.click("#checkout-button", no_wait_after=True)
        second.click("#checkout-button", no_wait_after=True)
        for page in (first, second):
            expect(page.locator("#cart-empty")).to_be_visible()
    expect(first.locator("#status-pending")).to_have_attribute("data-count", "20")
    context.set_offline(False)
    for page in (first, second):  # both tabs push at once, as when the shop's internet comes back
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
    synced(first)
    synced(second)
    sales = _sales(terminal_shop)
    assert len(sales) == 20
    assert len({s["invoice_number"] for s in sales}) == 20
    operations = _operations(terminal_shop)
    assert [seq for _, seq, _ in operations] == list(range(1, 21))
    assert pushes and set(pushes) == {200}
    assert in_flight[1] == 1  # one push at a time per device, across tabs (the Web Lock)
    assert sorted(s["receipt_number"] for s in sales) == [f"{sales[0]['receipt_number'][:-7]}-{n:06d}" for n in range(1, 21)]
    context.close()


def test_a_double_click_enter_held_down_and_f9_twice_each_make_one_sale(playwright_driver, terminal_shop, tmp_path):
    context, page = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter keys")
    context.set_offline(True)
    ready = expect(page.locator("#checkout-button")).to_be_enabled
    scan(page, "RING-1")
    ready()
    page.dblclick("#checkout-button")
    expect(page.locator("#status-pending")).to_have_attribute("data-count", "1")
    scan(page, "RING-2")
    ready()
    page.focus("#checkout-button")
    for _ in range(6):  # a held key repeats its keydown
        page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    scan(page, "RING-3")
    ready()  # the cashier sees the piece in the cart, then presses F9 twice
    page.keyboard.press("F9")
    page.keyboard.press("F9")
    expect(page.locator("#status-pending")).to_have_attribute("data-count", "3")
    page.wait_for_timeout(500)  # any late second sale would be journalled by now
    assert page.locator("#status-pending").get_attribute("data-count") == "3"
    context.set_offline(False)
    synced(page)
    assert len(_sales(terminal_shop)) == 3
    context.close()


def test_one_unique_piece_sold_by_two_browsers_offline_is_two_sales_and_one_oversold_review(playwright_driver, terminal_shop, tmp_path):
    from apps.review.models import ReviewItem

    a_context, a = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter A")
    b_context, b = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter B")
    a_context.set_offline(True)
    b_context.set_offline(True)
    sell(a, "ONE-OFF")
    sell(b, "ONE-OFF")
    a_context.set_offline(False)
    synced(a)
    b_context.set_offline(False)
    expect(b.locator("#status-conflicts")).to_have_attribute("data-count", "1", timeout=30_000)
    expect(b.locator("#journal tbody tr.flagged")).to_have_count(1)
    shot(b, "terminal-oversold-conflict")
    sales = _sales(terminal_shop)
    assert len(sales) == 2
    reviews = terminal_shop.query(lambda: list(ReviewItem.objects.filter(kind="oversold").values_list("kind", flat=True)))
    assert reviews == ["oversold"]
    a_context.close()
    b_context.close()


def test_a_revoked_browser_stops_keeps_its_unsent_sales_and_a_manager_imports_them_once(playwright_driver, terminal_shop, tmp_path):
    from apps.branches.models import Terminal
    from apps.pos_sync.services import device_revoke

    context, page = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter revoked")
    context.set_offline(True)
    receipts = [sell(page, "RING-4"), sell(page, "RING-4")]
    terminal_shop.query(lambda: device_revoke(terminal=Terminal.objects.get(name="Counter revoked")))
    context.set_offline(False)
    expect(page.locator("#warnings [data-key=revoked]")).to_be_visible(timeout=30_000)
    expect(page.locator("#counter")).to_be_hidden()
    assert _sales(terminal_shop) == []
    with page.expect_download() as download:
        page.click("#export-button")
    exported = json.loads(open(download.value.path()).read())
    assert [op["receipt_number"] for op in exported["operations"]] == receipts
    shot(page, "terminal-revoked")

    # The same browser, enrolled again with a fresh code, imports the file: each sale once, imported twice or not.
    enrol(page, terminal_shop.code("Counter revoked"), name="Counter revoked")
    sign_in(page)
    path = tmp_path / "journal.json"
    path.write_text(json.dumps(exported))
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#device-message")).to_have_attribute("data-count", "2")
    page.set_input_files("#import-file", str(path))
    expect(page.locator("#device-message")).to_have_attribute("data-count", "0")
    synced(page)
    sales = _sales(terminal_shop)
    assert sorted(s["receipt_number"] for s in sales) == sorted(receipts)
    assert {str(s["client_sale_id"]) for s in sales} == {op["client_sale_id"] for op in exported["operations"]}
    context.close()


def test_an_enrolled_browser_sells_at_the_offline_counter_and_reaches_the_online_one_on_purpose(playwright_driver, terminal_shop, tmp_path):
    from tests.conftest import PASSWORD

    context, page = terminal_ready(playwright_driver, terminal_shop, tmp_path, "Counter one path")
    page.goto("/accounts/login/")
    page.fill("#id_username", f"owner@{terminal_shop.key}.test")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/")
    page.goto("/pos/")  # the staff counter, on a browser that is a terminal: its sales go through the journal
    page.wait_for_url("**/pos/terminal/")
    page.click("#online-counter")
    page.wait_for_url("**/pos/?online=1")
    page.goto("/pos/")  # chosen for this tab: it stays
    page.wait_for_timeout(500)
    assert page.url.endswith("/pos/")
    context.close()
