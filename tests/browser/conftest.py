"""Browser tests: Playwright driving Debian's Chromium (never a downloaded
browser) against the project served over real HTTP.

The server is tests/conftest.py's `http_server` (Django's LiveServerThread
without pytest-django's `transactional_db`, static files from the finders,
vendor/ included). The data the pages show lives in a shop of its own,
written committed (run_committed) and dropped whole at the end. Screenshots go to test-artifacts/browser/.

Waits are Playwright's `expect` and locators, never `page.wait_for_function`
with a string: that is evaluated in the page, and the pages' CSP (no
'unsafe-eval', apps.core.csp) refuses it.
"""
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, drop_shops_committed, run_committed
from tests.vectors import RING

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "browser"
DOMAIN = "ui-browser.localhost"
RING_SKU = "BR-RING-1"

expect.set_options(timeout=15_000)  # as the pages' default timeout below
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (scripts/browser.sh installs it)")


def _make_shop():
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.accounts.services import user_create
    from apps.branches.models import Branch
    from apps.customers.services import customer_create
    from apps.inventory.services import category_create, gold_rate_set, item_create
    from apps.tenancy.services import shop_create

    shop = shop_create(name="Browser Jewellers", domain=DOMAIN, owner_email="owner@browser.test", owner_password=PASSWORD,
                       first_branch="Main").tenant
    shop.vat_percent, shop.profit_percent = Decimal("10"), Decimal("7")
    shop.save()
    with shop:
        manager = user_create(email="manager@browser.test", password=PASSWORD, role="manager", full_name="Mina Manager")
        manager.language = "en"
        manager.save(update_fields=["language"])
        owner = User.objects.get(email="owner@browser.test")
        gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750,
                      effective_at=timezone.now() - timezone.timedelta(days=1))
        rings = category_create(name="Rings")
        main = Branch.objects.get(name="Main")
        common = dict(RING, actor=owner, category=rings, branch=main)  # PRICING.md vector 1
        item_create(**{**common, "sku": RING_SKU, "name": "Rose ring", "quantity": 3, "barcode": "7700001"})
        for n in range(1, 6):
            item_create(**{**common, "sku": f"BR-CHAIN-{n}", "name": f"Chain {n}", "quantity": 1})
        customer_create(full_name="نگار رحیمی", phone="09123334444")
    return shop.schema_name


@pytest.fixture(scope="session")
def browser_shop(http_server, django_db_blocker):
    with django_db_blocker.unblock():
        drop_shops_committed(domains__domain=DOMAIN)  # left over from an interrupted run
        schema = run_committed(_make_shop)
    yield f"http://{DOMAIN}:{http_server}"
    with django_db_blocker.unblock():
        drop_shops_committed(schema_name=schema)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, browser_shop, django_db_blocker):
    """A fresh browser tab. The database is open to the server's threads
    (pytest-django's blocker is process-wide) but no test transaction is
    started: the pages must see what is committed."""
    context = browser.new_context(base_url=browser_shop, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    with django_db_blocker.unblock():
        yield page
    context.close()


def log_in(page, email: str, password: str = PASSWORD):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/")


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
