"""Dates entered in Chromium (issue 14, items 5 and 13): in Persian a Jalali
date, typed in Persian digits or picked on the Jalali date picker (npm
@majidh1/jalalidatepicker, under the pages' CSP); in English an ISO date in
the browser's own date input. Checked by what is stored and what is found."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, needs_chromium, shot
from tests.conftest import PASSWORD, drop_shops_committed, run_committed

pytestmark = [needs_chromium]

# A shop of its own (the shared browser shop's item counts stay as its tests expect).
DOMAIN = "ui-jalali.localhost"
TEHRAN = ZoneInfo("Asia/Tehran")
SOLD_ON = date(2026, 1, 15)  # 1404/10/25
CUSTOMER = "Jalali Test Customer"


def _shop():
    from apps.tenancy.models import Tenant

    return Tenant.objects.get(domains__domain=DOMAIN)


def _make_shop():
    """A Persian shop (its owner sees Persian, its manager English) with one
    sale on SOLD_ON (noon in Tehran) of a fixed-price piece."""
    from apps.accounts.models import User
    from apps.accounts.services import user_create
    from apps.branches.models import Branch
    from apps.customers.services import customer_create
    from apps.inventory.services import category_create, item_create
    from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
    from apps.tenancy.services import shop_create
    from tests.world import CHAIN

    shop = shop_create(name="Jalali Jewellers", domain=DOMAIN, owner_email="owner@jalali.test", owner_password=PASSWORD).tenant
    with shop:
        manager = user_create(email="manager@jalali.test", password=PASSWORD, role="manager", full_name="Mina Manager")
        manager.language = "en"
        manager.save(update_fields=["language"])
        owner = User.objects.get(email="owner@jalali.test")
        branch = Branch.objects.get()  # «شعبه مرکزی»: a Persian shop's first branch
        buyer = customer_create(full_name=CUSTOMER, phone="09127776655")
        item = item_create(**CHAIN, sku="JL-1", category=category_create(name="Chains"), branch=branch, actor=owner, quantity=1)
        lines = [LineInput(item_id=item.pk)]
        sale_create(actor=owner, branch=branch, customer=buyer, lines=lines,
                    payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)],
                    occurred_at=datetime(2026, 1, 15, 12, 0, tzinfo=TEHRAN))
    return shop.schema_name


def _birthday(name: str):
    from apps.customers.models import Customer

    with _shop():
        return Customer.objects.get(full_name=name).birthday


@pytest.fixture(scope="module")
def jalali_shop(http_server, django_db_blocker):
    with django_db_blocker.unblock():
        drop_shops_committed(domains__domain=DOMAIN)  # left over from an interrupted run
        schema = run_committed(_make_shop)
    yield f"http://{DOMAIN}:{http_server}"
    with django_db_blocker.unblock():
        drop_shops_committed(schema_name=schema)


@pytest.fixture
def page(browser, jalali_shop, django_db_blocker):
    context = browser.new_context(base_url=jalali_shop, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    with django_db_blocker.unblock():
        yield tab
    context.close()


def _filter(page, date_from: str, date_to: str):
    page.goto("/sales/")
    page.fill("#f-from", date_from)
    page.fill("#f-to", date_to)
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state("load")


def _rows(page) -> str:
    return page.locator("#sales tbody").inner_text()


def test_persian_the_sales_filter_takes_jalali_dates(page):
    log_in(page, "owner@jalali.test")  # the shop's language: Persian
    assert page.locator("html").get_attribute("lang") == "fa"
    _filter(page, "۱۴۰۴/۱۰/۲۵", "1404/10/25")  # Persian digits or Latin, both Jalali
    assert CUSTOMER in _rows(page)
    assert page.locator("#f-from").input_value() == "۱۴۰۴/۱۰/۲۵"  # shown back in the page's digits
    shot(page, "jalali-sales-filter-fa")
    _filter(page, "1404/10/26", "1404/10/30")
    assert CUSTOMER not in _rows(page)
    _filter(page, "1404/13/40", "")  # nonsense: a message, never a 500
    expect(page.locator("ul.messages")).to_contain_text("در تقویم نیست")  # "is not a day of the calendar"


def test_persian_the_birthday_is_picked_on_the_jalali_picker(page):
    log_in(page, "owner@jalali.test")
    page.goto("/customers/new/")
    page.fill("#id_full_name", "Picked Birthday")
    page.fill("#id_phone", "09125550101")
    birthday = page.locator("#id_birthday")
    assert birthday.get_attribute("type") == "text" and birthday.get_attribute("data-jdp") is not None
    birthday.click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    shot(page, "jalali-picker-open-fa")
    picker.locator("select").nth(1).select_option("7")  # the month (after the year): Mehr
    picker.locator(".jdp-day:not(.not-in-month)", has_text="۱۵").first.click()
    value = birthday.input_value()
    assert value.endswith("/۰۷/۱۵") or value.endswith("/07/15"), value
    year = int(value.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")).split("/")[0])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    import jdatetime

    assert run_committed(_birthday, "Picked Birthday") == jdatetime.date(year, 7, 15).togregorian()


def test_persian_a_typed_jalali_birthday_is_stored_as_its_day(page):
    log_in(page, "owner@jalali.test")
    page.goto("/customers/new/")
    page.fill("#id_full_name", "Typed Birthday")
    page.fill("#id_phone", "09125550102")
    page.fill("#id_birthday", "۱۳۷۰/۰۶/۱۵")
    page.keyboard.press("Escape")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    assert run_committed(_birthday, "Typed Birthday") == date(1991, 9, 6)  # 1370/06/15
    # the detail page says it in the Jalali calendar
    expect(page.locator("main")).to_contain_text("۱۳۷۰/۰۶/۱۵")


def test_persian_a_nonsense_birthday_is_a_form_error(page):
    log_in(page, "owner@jalali.test")
    page.goto("/customers/new/")
    page.fill("#id_full_name", "Bad Birthday")
    page.fill("#id_phone", "09125550103")
    page.fill("#id_birthday", "1405/13/40")
    page.keyboard.press("Escape")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    expect(page.locator("main")).to_contain_text("در تقویم نیست")  # "is not a day of the calendar"
    shot(page, "jalali-birthday-error-fa")


def test_english_the_sales_filter_and_birthday_take_iso_dates(page):
    log_in(page, "manager@jalali.test")  # English
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/sales/")
    assert page.locator("#f-from").get_attribute("type") == "date"
    _filter(page, "2026-01-15", "2026-01-15")
    assert CUSTOMER in _rows(page)
    shot(page, "iso-sales-filter-en")
    _filter(page, "2026-01-16", "2026-01-20")
    assert CUSTOMER not in _rows(page)
    page.goto("/customers/new/")
    page.fill("#id_full_name", "ISO Birthday")
    page.fill("#id_phone", "09125550104")
    page.fill("#id_birthday", "1991-09-06")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    assert run_committed(_birthday, "ISO Birthday") == date(1991, 9, 6)
