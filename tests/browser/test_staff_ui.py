"""A few whole journeys through the staff pages in a real browser."""
import csv
import io

from playwright.sync_api import expect

from tests.browser.conftest import DOMAIN, RING_SKU, log_in, needs_chromium, shot

# No test transaction here: the pages read a shop committed apart (see
# conftest), and Playwright's event loop would give the test's ORM calls a
# connection of their own that nothing closes.
pytestmark = [needs_chromium]


def test_the_browser_shop_is_committed_and_apart(db, browser_shop):
    """(Also what makes pytest-django set the test database up when this
    folder runs alone: it only does so for tests that use it.)"""
    from apps.tenancy.models import Tenant

    assert Tenant.objects.filter(domains__domain=DOMAIN, name="Browser Jewellers").exists()


def focus_on(page, element_id: str):
    expect(page.locator(f"#{element_id}")).to_be_focused()


def test_login_then_dashboard(page):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "manager@browser.test")
    page.fill("#id_password", "wrong password")
    page.press("#id_password", "Enter")
    assert page.locator("ul.errors[role=alert]").is_visible()
    shot(page, "login-refused")
    log_in(page, "manager@browser.test")
    assert page.locator("h1").first.inner_text().startswith("Dashboard")
    assert page.locator("#gold-rate .stat").inner_text() == "8,000,000 rial"
    assert shot(page, "dashboard").stat().st_size > 0


def test_a_whole_sale_with_old_gold_and_a_split_payment_from_the_keyboard(page):
    log_in(page, "manager@browser.test")
    page.goto("/pos/")
    assert page.evaluate("document.activeElement.id") == "scan-code"
    page.keyboard.type("7700001")  # what a barcode scanner types
    page.keyboard.press("Enter")
    page.locator("#cart-lines .cart-line").first.wait_for()
    assert "53,754,400" in page.locator("#cart-lines").inner_text()
    focus_on(page, "scan-code")  # the swapped-in panel has settled and put the cursor back

    page.keyboard.press("F3")
    focus_on(page, "customer-q")  # type only once the shortcut has moved the cursor
    page.keyboard.type("نگار")
    page.keyboard.press("Enter")
    page.locator("#customer-results-list button").first.wait_for()
    page.locator("#customer-results-list button").first.press("Enter")
    page.locator("#chosen-customer").wait_for()
    focus_on(page, "scan-code")  # the counter puts the cursor back on the scanner

    page.keyboard.press("F4")
    focus_on(page, "tradein-weight")
    page.keyboard.type("2")
    page.keyboard.press("Tab")  # fineness: 750 is already there
    page.keyboard.press("Tab")  # deduction
    page.keyboard.press("Tab")  # pure gold rate
    page.keyboard.type("10000000")
    page.keyboard.press("Enter")
    page.locator("#trade-ins .trade-in").wait_for()
    focus_on(page, "scan-code")
    assert page.locator("#sale-due").inner_text() == "38,754,400 rial"

    page.keyboard.press("F6")
    focus_on(page, "payment-amount")
    page.keyboard.type("20000000")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowDown")  # cash -> card
    assert page.locator("#payment-method").input_value() == "card"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("#payments .payment").first.wait_for()
    focus_on(page, "payment-amount")  # the rest is due: the amount again
    assert page.locator("#remaining").inner_text() == "18,754,400 rial"
    page.keyboard.press("F6")  # the rest, in cash (already filled in)
    page.keyboard.press("Enter")
    expect(page.locator("#remaining")).to_have_text("0 rial")
    assert page.locator("#payments .payment").count() == 2
    shot(page, "pos-before-checkout")

    page.keyboard.press("F9")
    page.wait_for_url("**/sales/*/")
    assert page.locator("#invoice-total").inner_text() == "53,754,400 rial"
    methods = page.locator("#invoice-payments").inner_text()
    assert "Card" in methods and "Cash" in methods and "Old gold credit" in methods
    assert "rials" in page.locator("#amount-in-words").inner_text()
    shot(page, "invoice")


def test_what_the_cashier_types_while_a_scan_is_on_its_way_stays_where_they_typed_it(page):
    """A barcode scanned, then straight to the old gold's weight (F4) before
    the counter has answered: when the answer is swapped in, the cursor and
    the typed weight stay in the weight field (the scan box does not take
    them), and Enter takes the old gold in."""
    log_in(page, "manager@browser.test")
    page.goto("/pos/")
    held = []
    page.route("**/pos/scan/", lambda route: held.append(route))  # the answer waits until the cashier has typed
    page.fill("#scan-code", "7700001")
    page.press("#scan-code", "Enter")
    for _ in range(500):  # at most 10 s for the scan to leave
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "the scan was never sent"
    page.keyboard.press("F4")
    focus_on(page, "tradein-weight")
    page.keyboard.type("2")
    held[0].continue_()
    page.unroute("**/pos/scan/")
    page.locator("#cart-lines .cart-line").first.wait_for()
    page.wait_for_timeout(200)  # let anything that would take the cursor do so
    focus_on(page, "tradein-weight")
    expect(page.locator("#tradein-weight")).to_have_value("2")
    expect(page.locator("#scan-code")).to_have_value("")
    page.keyboard.press("Enter")
    page.locator("#trade-ins .trade-in").wait_for()
    assert page.locator("#trade-ins .trade-in").count() == 1
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("text=Clear sale")
    expect(page.locator("#cart-lines .cart-line")).to_have_count(0)


def test_inventory_search(page):
    log_in(page, "manager@browser.test")
    page.goto("/inventory/")
    rows = page.locator("#items tbody tr")
    for sku in ["BR-RING-1", *[f"BR-CHAIN-{n}" for n in range(1, 6)]]:  # the shop's six (other browser tests add theirs)
        expect(rows.filter(has_text=sku)).to_have_count(1)
    page.fill("#id_q", "chain 3")  # htmx searches as you type; Enter works with or without it
    page.press("#id_q", "Enter")
    expect(rows).to_have_count(1)
    assert "BR-CHAIN-3" in page.locator("#items").inner_text()
    shot(page, "inventory-search")
    page.locator("#items a", has_text="BR-CHAIN-3").click()
    assert "53,754,400" in page.locator("#price-total").inner_text()


def test_a_report_is_exported(page):
    log_in(page, "manager@browser.test")
    page.goto("/reports/valuation/")
    assert page.locator("#report-table tbody tr").count() >= 1
    shot(page, "report-valuation")
    with page.expect_download() as download:
        page.click("#export-csv")
    content = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Fineness" and rows[1][0] == "750"
    with page.expect_download() as pdf:
        page.click("#export-pdf")
    assert open(pdf.value.path(), "rb").read(4) == b"%PDF"


def test_a_persian_page_is_laid_out_right_to_left(page):
    log_in(page, "owner@browser.test")  # no language of their own: the shop's Persian
    page.goto(f"/inventory/?q={RING_SKU}")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa"
    assert page.locator("h1").first.inner_text() == "انبار"
    width = page.viewport_size["width"]
    brand = page.locator(".topbar .brand").bounding_box()
    assert brand["x"] > width / 2  # the shop's name starts the bar on the right
    first_header = page.locator("#items thead th").first.bounding_box()
    last_header = page.locator("#items thead th").last.bounding_box()
    assert first_header["x"] > last_header["x"]  # columns run right to left
    assert "۷۵۰" in page.locator("#items tbody").inner_text()  # Persian digits
    shot(page, "persian-rtl")
