"""The staff pages, the counter, the admin and the API docs under the
Content-Security-Policy (apps.core.csp), in Chromium (issue 12, acceptance
6). Every violation the browser reports is a failure, every HTML page must
carry the policy, and each page must still do its job: the counter sells, the
searches search, the admin's calendar opens, Swagger UI draws the API."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DOMAIN, RING_SKU, log_in, needs_chromium
from tests.conftest import PASSWORD, run_committed

pytestmark = [needs_chromium]

ADMIN_EMAIL = "root@browser.test"
OPERATOR_EMAIL = "ops-csp@platform.test"
REPORTS = ["daily", "products", "categories", "customers", "valuation", "low-stock"]

# Registered before any script of the page runs, on every document the tab
# loads: each violation is handed to the test (window.__csp is exposed below).
WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp([e.effectiveDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample].join(" | "));
});
"""


class PolicyWatch:
    """What the browser refused on a tab, and the HTML documents it got
    without a policy (a page without the header would refuse nothing)."""

    def __init__(self, page):
        self.page = page
        self.violations: list[str] = []
        self.without_policy: list[str] = []
        page.expose_function("__csp", lambda text: self.violations.append(text))
        page.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        if message.text.startswith("Refused to"):
            self.violations.append(f"console: {message.text}")

    def _response(self, response):
        if response.request.resource_type != "document" or not response.headers.get("content-type", "").startswith("text/html"):
            return
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "unsafe" in policy:
            self.without_policy.append(f"{response.status} {response.url}: {policy!r}")

    def visit(self, path: str):
        response = self.page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        self.settle()

    def settle(self):
        self.page.wait_for_load_state("load")
        self.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")

    def assert_clean(self):
        self.settle()
        assert self.violations == [], "CSP violations:\n" + "\n".join(self.violations)
        assert self.without_policy == [], "HTML without the strict policy:\n" + "\n".join(self.without_policy)


@pytest.fixture
def watch(page):
    return PolicyWatch(page)


@pytest.fixture(scope="module")
def csp_data(browser_shop, django_db_blocker):
    """A superuser for the admin's forms and an open review item, in the browser shop."""
    def make():
        from apps.accounts.models import User
        from apps.review.services import review_open
        from apps.tenancy.models import Tenant

        with Tenant.objects.get(domains__domain=DOMAIN):
            if not User.objects.filter(email=ADMIN_EMAIL).exists():
                User.objects.create_superuser(ADMIN_EMAIL, PASSWORD)
            review_open(kind="stock_drift", details={"sku": RING_SKU, "ledger": 3, "stock": 2})

    with django_db_blocker.unblock():
        run_committed(make)


def first_link(page, selector: str) -> str:
    return page.locator(selector).first.get_attribute("href")


def test_every_staff_page_runs_under_the_policy(watch, csp_data):
    page = watch.page
    log_in(page, "owner@browser.test")  # every permission; Persian pages
    for path in ["/", "/inventory/", "/inventory/new/", "/gold-rate/", "/customers/", "/customers/new/", "/sales/",
                 "/reports/", *[f"/reports/{name}/" for name in REPORTS], "/settings/", "/terminals/", "/review/",
                 "/accounts/password/", "/accounts/mfa/", "/accounts/mfa/staff/"]:
        watch.visit(path)
    watch.assert_clean()

    watch.visit("/inventory/")
    item = first_link(page, f"#items a:text-is('{RING_SKU}')")
    for path in [item, f"{item}edit/", f"{item}tag/"]:
        watch.visit(path)
    assert page.locator("svg.barcode").count() == 1 and printed(page)
    watch.visit("/customers/")
    watch.visit(first_link(page, "#customer-rows a"))
    watch.assert_clean()

    # htmx still searches as you type (its config comes from the meta tag)
    watch.visit("/inventory/")
    page.fill("#id_q", "chain 2")
    expect(page.locator("#items tbody tr")).to_have_count(1)
    watch.visit("/customers/")
    page.fill("#q", "zzz-nobody")
    expect(page.locator("#customer-rows a")).to_have_count(0)
    watch.assert_clean()


def printed(page) -> bool:
    """Clicks the page's Print button (app.js wires [data-print], no onclick=)
    with window.print stubbed, and says whether it was called."""
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("[data-print]")
    return page.evaluate("window.__printed === true")


def test_the_counter_sells_under_the_policy(watch):
    page = watch.page
    log_in(page, "manager@browser.test")
    watch.visit("/pos/")
    lines = page.locator("#cart-lines .cart-line")
    page.fill("#scan-code", "7700001")  # a barcode
    page.press("#scan-code", "Enter")
    lines.first.wait_for()
    page.fill("#scan-code", "Chain")  # a search, then Add from the results
    page.press("#scan-code", "Enter")
    page.locator("#item-results button").first.click()
    expect(lines).to_have_count(2)
    lines.nth(1).locator("button[name=action][value=remove]").click()
    expect(lines).to_have_count(1)
    scan = page.locator("#scan-code")
    expect(scan).to_be_focused()  # the swapped-in counter has settled (app.js put the cursor back)

    page.keyboard.press("F3")  # pos.js: the shortcuts
    expect(page.locator("#customer-q")).to_be_focused()
    page.keyboard.type("نگار")  # htmx searches as you type
    page.locator("#customer-results-list button").first.click()
    page.locator("#chosen-customer").wait_for()
    expect(scan).to_be_focused()

    page.fill("#tradein-weight", "2")
    page.fill("#tradein-rate", "10000000")
    page.press("#tradein-rate", "Enter")
    page.locator("#trade-ins .trade-in").wait_for()
    assert page.locator("#sale-due").inner_text() == "38,754,400 rial"
    page.fill("#payment-amount", "20000000")
    page.select_option("#payment-method", "card")
    page.press("#payment-amount", "Enter")
    page.locator("#payments .payment").first.wait_for()
    assert page.locator("#remaining").inner_text() == "18,754,400 rial"
    page.press("#payment-amount", "Enter")  # the rest, in cash (filled in)
    expect(page.locator("#remaining")).to_have_text("0 rial")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("text=Clear sale")  # app.js asks first ([data-confirm]); dismissed, nothing is cleared
    assert asked == ["Clear this sale?"] and lines.count() == 1
    watch.assert_clean()

    page.keyboard.press("F9")  # checkout
    page.wait_for_url("**/sales/*/")
    assert page.locator("#invoice-total").inner_text() == "53,754,400 rial"
    assert printed(page)
    watch.visit("/sales/")
    assert page.locator("main table tbody tr").count() >= 1
    watch.assert_clean()


def test_terminals_and_the_review_queue_work_under_the_policy(watch, csp_data):
    page = watch.page
    log_in(page, "manager@browser.test")
    watch.visit("/terminals/")
    page.fill("#id_name", "Till CSP")
    page.press("#id_name", "Enter")
    page.locator("#terminals td", has_text="Till CSP").wait_for()
    page.locator("#terminals tr", has_text="Till CSP").locator("button", has_text="Enrolment code").click()
    page.locator("#enrolment-code").wait_for()
    assert re.fullmatch(r"[0-9A-Z-]{6,}", page.locator("#enrolment-code").inner_text().strip())
    watch.assert_clean()
    watch.visit("/review/")
    fix = page.locator("details.review-fix[id^='note-']").first  # each fix opens from its button
    fix.locator("summary").click()
    note = fix.locator("input[name=note]")
    assert note.evaluate("(el) => getComputedStyle(el).maxWidth") != "none"  # the rule moved from style= to app.css
    note.fill("counted again")
    with page.expect_navigation():
        note.press("Enter")
    assert page.locator(".messages li").first.inner_text() == "Resolved." and page.locator("input[name=note]").count() == 0
    watch.assert_clean()


def test_the_admin_works_under_the_policy(watch, csp_data):
    page = watch.page
    watch.visit("/admin/login/")
    page.fill("#id_username", ADMIN_EMAIL)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/admin/")
    assert page.locator("#content-main .app-inventory").count() == 1
    for path in ["/admin/inventory/item/", "/admin/sales/sale/", "/admin/inventory/stockmovement/", "/admin/accounts/user/"]:
        watch.visit(path)
    page.fill("#searchbar", "manager")  # a change list's search, then a change page
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    watch.visit(first_link(page, "#result_list tbody th a"))
    assert page.locator("#id_email").input_value() == "manager@browser.test"
    watch.assert_clean()

    watch.visit("/admin/customers/customer/add/")
    page.locator(".datetimeshortcuts a").first.click()  # "Today": the admin's calendar script
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.input_value("#id_birthday"))
    page.fill("#id_full_name", "Admin CSP")
    page.fill("#id_phone", "09125550000")
    page.click("input[name=_continue]")
    page.wait_for_url("**/change/")
    assert page.locator("#id_full_name").input_value() == "Admin CSP"
    watch.assert_clean()


def test_the_operators_site_works_under_the_policy(watch, browser_shop, django_db_blocker):
    """The platform host: landing page and the operators' admin (shops, a
    shop's change page with its domains inline, dead letters, background work)."""
    def make_operator():
        from django_tenants.utils import schema_context

        from apps.accounts.models import User

        with schema_context("public"):
            if not User.objects.filter(email=OPERATOR_EMAIL).exists():
                User.objects.create_superuser(OPERATOR_EMAIL, PASSWORD)

    with django_db_blocker.unblock():
        run_committed(make_operator)
    page, platform = watch.page, "http://localhost:" + browser_shop.rsplit(":", 1)[1]
    watch.visit(platform + "/")
    watch.visit(platform + "/admin/login/")
    page.fill("#id_username", OPERATOR_EMAIL)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/admin/")
    for path in ["/admin/tenancy/tenant/", "/admin/tenancy/tenant/add/", "/admin/core/deadletter/", "/admin/core/deadletter/background/"]:
        watch.visit(platform + path)
    watch.visit(platform + "/admin/tenancy/tenant/")
    page.fill("#searchbar", "Browser Jewellers")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    watch.visit(platform + first_link(page, "#result_list tbody th a"))
    assert page.locator("#id_name").input_value() == "Browser Jewellers"
    watch.assert_clean()


def test_the_api_docs_draw_under_the_policy(watch):
    page = watch.page
    watch.visit("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()  # drawn by the script served from ?script
    page.locator(".opblock").first.wait_for()
    watch.assert_clean()


def test_an_inline_script_added_back_is_caught(watch, page):
    """The watch itself: the dashboard as the server sent it (headers and
    all) with an inline script, an onclick, a style attribute and a
    javascript: link put back in. Each is refused and reported."""
    def tamper(route):
        # Playwright fetches from outside the browser, where *.localhost does not resolve.
        response = route.fetch(url=route.request.url.replace(DOMAIN, "127.0.0.1"),
                               headers={**route.request.headers, "host": route.request.url.split("/")[2]})
        body = response.text().replace(
            "</main>",
            '<script>window.__ran = 1</script><button id="evil" onclick="window.__ran = 2">x</button>'
            '<p style="color: red">x</p><a id="evil-link" href="javascript:window.__ran = 3">x</a></main>',
        )
        route.fulfill(response=response, body=body)

    log_in(page, "manager@browser.test")
    page.route(re.compile(r".*/$"), tamper)
    watch.visit("/")
    page.click("#evil")
    page.click("#evil-link")
    watch.settle()
    assert page.evaluate("window.__ran") is None  # nothing of it ran
    refused = "\n".join(watch.violations)
    assert "script-src-elem" in refused and "script-src-attr" in refused and "style-src-attr" in refused
    with pytest.raises(AssertionError, match="CSP violations"):
        watch.assert_clean()
