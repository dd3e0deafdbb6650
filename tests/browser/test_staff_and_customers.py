"""Chromium, in Persian and English: adding a cashier who then logs in (with
an initial password, and with the one-time link), and merging a duplicate
customer. Screenshots of every page touched at 820 and 1366 px."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DOMAIN, log_in, needs_chromium, shot
from tests.conftest import run_committed

pytestmark = [needs_chromium]
NEW = "Zargar-browser-new-5"
WIDTHS = (820, 1366)
STAFF_DETAIL = re.compile(r"/staff/\d+/$")  # wait for it: a page measured mid-navigation has no document


def shots(page, name: str) -> None:
    """The page at both widths; neither scrolls sideways."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def in_browser_shop(fn):
    def run():
        from apps.tenancy.models import Tenant

        with Tenant.objects.get(domains__domain=DOMAIN):
            return fn()
    return run_committed(run)


def accept_confirms(page):
    page.on("dialog", lambda dialog: dialog.accept())


def log_out(page):
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_url("**/accounts/login/**")


def test_a_manager_adds_a_cashier_with_an_initial_password_in_english(page):
    log_in(page, "manager@browser.test")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("header nav a[href='/staff/']").click()
    page.wait_for_url("**/staff/")
    shots(page, "staff-list-en")
    page.locator("a[href='/staff/new/']").click()
    page.wait_for_url("**/staff/new/")
    assert page.locator("#id_role option[value=owner]").count() == 0  # a manager never makes an owner
    page.fill("#id_email", "cashier-en@browser.test")
    page.fill("#id_full_name", "Cyrus Cashier")
    page.select_option("#id_role", "cashier")
    page.check("input[name=how][value=password]")
    page.fill("#id_password", NEW)
    shots(page, "staff-new-en")
    page.locator("#staff-form button[type=submit]").click()
    page.wait_for_url("**/staff/")
    expect(page.locator("#staff")).to_contain_text("cashier-en@browser.test")
    row = page.locator("#staff tr", has_text="cashier-en@browser.test")
    row.locator("a").first.click()
    page.wait_for_url(STAFF_DETAIL)
    shots(page, "staff-detail-en")
    log_out(page)
    log_in(page, "cashier-en@browser.test", NEW)
    expect(page.locator("header nav a[href='/pos/']")).to_be_visible()
    expect(page.locator("header nav a[href='/staff/']")).to_have_count(0)


def test_the_owner_adds_a_cashier_with_a_one_time_link_in_persian(page):
    log_in(page, "owner@browser.test")
    assert page.locator("html").get_attribute("lang") == "fa"
    page.goto("/staff/new/")
    page.fill("#id_email", "cashier-fa@browser.test")
    page.fill("#id_full_name", "سارا صندوقدار")
    page.select_option("#id_role", "cashier")
    page.check("input[name=how][value=link]")
    shots(page, "staff-new-fa")
    page.locator("#staff-form button[type=submit]").click()
    page.wait_for_url("**/staff/")
    link = page.locator("#new-link-url").inner_text()
    assert "/accounts/set-password/" in link
    shots(page, "staff-list-fa")
    page.reload()
    expect(page.locator("#new-link-url")).to_have_count(0)  # shown once
    page.locator("#staff tr", has_text="cashier-fa@browser.test").locator("a").first.click()
    page.wait_for_url(STAFF_DETAIL)
    shots(page, "staff-detail-fa")
    log_out(page)

    path = "/" + link.split("/", 3)[3]  # the link names the shop's host; the test server's port differs
    page.goto(path)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    shots(page, "set-password-fa")
    page.locator("#set-password button[type=submit]").click()
    page.wait_for_url("**/accounts/login/**")
    log_in(page, "cashier-fa@browser.test", NEW)
    expect(page.locator("header nav a[href='/pos/']")).to_be_visible()
    page.goto(path)
    expect(page.locator("[role=alert]")).to_be_visible()  # the link is spent


@pytest.mark.parametrize("language", ["fa", "en"])
def test_merging_a_duplicate_customer(page, language):
    def make():
        from apps.accounts.models import User
        from apps.customers.credit import store_credit_post
        from apps.customers.services import customer_create, points_earn

        digit = {"fa": "1", "en": "2"}[language]
        kept = customer_create(full_name=f"مهسا کریمی {language}", phone=f"0912777{digit}000")
        dup = customer_create(full_name=f"مهسا کریمی تکراری {language}", phone=f"0912777{digit}001")
        points_earn(customer=dup, points=40, reference=f"browser-merge-{language}")
        store_credit_post(customer=dup, amount=Decimal("1500000"), reason="refund", reference=f"browser-merge-{language}")
        User.objects.filter(email="owner@browser.test").update(language=language)
        return str(kept.pk), str(dup.pk)

    kept_id, dup_id = in_browser_shop(make)
    accept_confirms(page)
    log_in(page, "owner@browser.test")
    assert page.locator("html").get_attribute("lang") == language
    page.goto(f"/customers/{dup_id}/")
    shots(page, f"customer-detail-{language}")
    page.locator(f"#customer-actions a[href='/customers/{dup_id}/merge/']").click()
    page.fill("#q", f"مهسا کریمی {language}")
    page.locator("#merge-search button[type=submit]").click()
    page.locator(f"input[name=other][value='{kept_id}']").check()
    page.locator("input[name=keep][value=other]").check()
    shots(page, f"customer-merge-{language}")
    page.locator("#merge-form button[type=submit]").click()
    page.wait_for_url(f"**/customers/{kept_id}/")
    expect(page.locator("#store-credit")).to_contain_text({"fa": "۱٬۵۰۰٬۰۰۰", "en": "1,500,000"}[language])
    expect(page.locator("#credit-history tr")).to_have_count(1)
    expect(page.locator("#points-history tr")).to_have_count(1)
    shots(page, f"customer-merged-{language}")
    page.goto(f"/customers/{dup_id}/")
    expect(page.locator("#customer-actions")).to_have_count(0)  # a tombstone: nothing more to do with it
    in_browser_shop(owner_language_reset)


def owner_language_reset():
    from apps.accounts.models import User

    User.objects.filter(email="owner@browser.test").update(language="")
