"""Bad input seen as staff see it (issue 14, item 8), in Chromium, Persian
and English, at 820 and 1366 px: a 30-digit weight and a 500 % making charge
are errors beside their fields on the item form; a 30-digit discount at the
counter is a message on the counter. Screenshots in test-artifacts/browser/."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DOMAIN, RING_SKU, log_in, needs_chromium, shot
from tests.conftest import run_committed

pytestmark = needs_chromium
WIDTHS = (820, 1366)


def as_language(page, language: str):
    page.goto("/")
    button = page.locator(f"button[name=language][value={language}]")
    if button.count():
        with page.expect_navigation():
            button.first.click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _owner_language(language=None):
    """The shared owner's saved language (the switch below saves it); set back
    after the test so the later browser tests see the owner as they left it."""
    from apps.accounts.models import User
    from apps.tenancy.models import Tenant

    def run():
        with Tenant.objects.get(domains__domain=DOMAIN):
            owner = User.objects.get(email="owner@browser.test")
            if language is not None:
                owner.language = language
                owner.save(update_fields=["language"])
            return owner.language

    return run_committed(run)


@pytest.fixture
def owner_language_kept(page):
    saved = _owner_language()
    yield
    _owner_language(saved)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_bad_numbers_are_errors_beside_their_fields(page, language, owner_language_kept):
    log_in(page, "owner@browser.test")
    as_language(page, language)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/inventory/new/")
        page.fill("#id_sku", f"BAD-{language}-{width}")
        page.fill("#id_name", "Bad input ring")
        page.select_option("#id_category", index=1)
        page.fill("#id_gross_weight", "1" * 30)
        page.fill("#id_making_value", "500")
        page.locator("form [type=submit]").last.click()
        expect(page.locator("#id_gross_weight ~ ul.errors, #id_gross_weight + ul.errors").first).to_be_visible()
        expect(page.locator("#id_making_value ~ ul.errors, #id_making_value + ul.errors").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"bad-input-item-{language}-{width}")

        page.goto("/pos/")
        page.fill("#scan-code", RING_SKU)
        page.press("#scan-code", "Enter")
        page.locator("#cart-lines .cart-line").first.wait_for()
        page.locator("#cart-lines details summary").first.click()
        discount = page.locator("#d-0")
        expect(discount).to_be_visible()
        discount.fill("1" * 30)
        discount.press("Enter")
        expect(page.locator("#pos .messages li.error")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"bad-input-counter-{language}-{width}")
        page.once("dialog", lambda dialog: dialog.accept())  # "Clear the sale?"
        page.locator("#pos form[action='/pos/clear/'] button").first.click()
        expect(page.locator("#cart-lines .cart-line")).to_have_count(0)
