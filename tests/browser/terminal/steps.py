"""The browser-terminal tests' shop (TerminalShop) and the steps a cashier
takes on /pos/terminal/; the fixtures are in conftest.py."""
import socket
import uuid
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, drop_shops_committed, in_shop, run_committed
from tests.helpers import shop_of_its_own
from tests.vectors import PLAIN_RING

CASHIER = "cashier@terminal.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def terminal_code(name: str) -> str:
    """In the current shop: a fresh enrolment code for terminal `name` of the
    Main branch (the terminal made on first use)."""
    from apps.branches.models import Branch, Terminal
    from apps.branches.services import terminal_create
    from apps.pos_sync.services import enrollment_code_issue

    terminal = Terminal.objects.filter(name=name).first() or terminal_create(branch=Branch.objects.get(name="Main"), name=name)
    return enrollment_code_issue(terminal=terminal).code


class TerminalShop:
    """A committed shop: 5 rings of 100 pieces (RING-0..4), one unique
    bangle (ONE-OFF), a gold rate, a customer and a cashier."""

    def __init__(self):
        self.key = f"term-{uuid.uuid4().hex[:8]}"
        self.domain = f"{self.key}.localhost"
        self.tenant = run_committed(self._create)

    def _create(self):
        from apps.accounts.services import user_create
        from apps.customers.services import customer_create
        from apps.inventory.services import gold_rate_set, item_create

        tenant, owner, branch, category = shop_of_its_own(self.key, f"Terminal {self.key}")
        tenant.vat_percent, tenant.profit_percent = Decimal("10"), Decimal("7")
        tenant.save()
        common = dict(PLAIN_RING, actor=owner, category=category, branch=branch, stone_value=Decimal("0"))
        for n in range(5):
            item_create(**common, sku=f"RING-{n}", name=f"Ring {n}", quantity=100, barcode=f"880000{n}")
        item_create(**common, sku="ONE-OFF", name="Unique bangle", quantity=1, is_unique_piece=True)
        gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
        customer_create(full_name="Sara Karimi", phone="09121112222")
        user_create(email=CASHIER, password=PASSWORD, role="cashier", full_name="Cyrus Cashier")
        return tenant

    def code(self, name: str) -> str:
        """A fresh enrolment code for terminal `name` (created on first use)."""
        return in_shop(self.tenant, terminal_code, name)

    def query(self, fn):
        return in_shop(self.tenant, fn)

    def drop(self):
        drop_shops_committed(schema_name=self.tenant.schema_name)


def open_profile(driver, profile_dir, base_url: str, **options):
    """A Chromium with a profile on disk: what it stores survives closing it."""
    context = driver.chromium.launch_persistent_context(
        str(profile_dir), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, base_url=base_url,
        viewport={"width": 1366, "height": 900}, accept_downloads=True, **options)
    context.set_default_timeout(20_000)
    context.on("weberror", lambda e: print("WEBERROR", e.error))
    return context


def terminal_ready(driver, shop: TerminalShop, tmp_path, name: str):
    """A browser of its own, enrolled on terminal `name`, the cashier signed
    in and the catalogue pulled: (context, page)."""
    context = open_profile(driver, tmp_path / name, shop.url)
    page = context.pages[0] if context.pages else context.new_page()
    enrol(page, shop.code(name), name=name)
    sign_in(page)
    synced(page, items=6)
    return context, page


def enrol(page, code: str, name: str = "Browser counter"):
    page.goto("/pos/terminal/")
    page.fill("#enrol-form [name=code]", code)
    page.fill("#enrol-form [name=name]", name)
    page.click("#enrol-form button")
    expect(page.locator("#signin")).to_be_visible()


def sign_in(page, email: str = CASHIER, password: str = PASSWORD):
    page.fill("#signin-form [name=email]", email)
    page.fill("#signin-form [name=password]", password)
    page.click("#signin-form button")
    expect(page.locator("#counter")).to_be_visible()


def synced(page, items: int | None = None):
    """Waits for "All synced": every journal entry acknowledged, the catalogue pulled."""
    expect(page.locator("#status-line")).to_have_attribute("data-state", "synced", timeout=30_000)
    if items is not None:
        expect(page.locator("#device-facts")).to_have_attribute("data-items", str(items))


def scan(page, code: str):
    page.fill("#scan-code", code)
    page.press("#scan-code", "Enter")


def sell(page, code: str) -> str:
    """Scans one piece and checks out; returns the receipt number shown."""
    before = page.locator("#receipt-number").text_content() or ""
    scan(page, code)
    expect(page.locator("#checkout-button")).to_be_enabled()
    page.click("#checkout-button")
    expect(page.locator("#receipt-number")).not_to_have_text(before)
    return page.locator("#receipt-number").text_content()

