"""The invoice page in Chromium (issue 14 items 6 and 7): at a tablet's 820 px
and a desk's 1366 px, in Persian and English, the page never scrolls
sideways and every table's last column (the Total) stays inside its box,
with the figures of a real day in rial (billions) and a long item name.
Screenshots: test-artifacts/browser/invoice-<lang>-<width>.png."""
from decimal import Decimal

import pytest

from tests.browser.conftest import needs_chromium, shot
from tests.conftest import PASSWORD, drop_shops_committed, run_committed

KEY = "invoice-layout"
pytestmark = needs_chromium

# Measured in the page: the document's width against the window, and each
# invoice table's cells against the box that holds the table.
LAYOUT = """() => {
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth)
    problems.push(`page ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window`);
  for (const table of document.querySelectorAll('#invoice table')) {
    const box = table.parentElement.getBoundingClientRect();
    if (table.parentElement.scrollWidth > table.parentElement.clientWidth + 1)
      problems.push(`#${table.id} scrolls inside its box`);
    for (const row of table.querySelectorAll('tr')) {
      const last = row.lastElementChild;
      if (!last) continue;
      for (const cell of [last, row.firstElementChild]) {
        const r = cell.getBoundingClientRect();
        if (r.left < box.left - 1 || r.right > box.right + 1)
          problems.push(`#${table.id} cell "${cell.textContent.trim().slice(0, 30)}" at ${r.left}-${r.right} outside ${box.left}-${box.right}`);
      }
    }
  }
  const invoice = document.querySelector('#invoice').getBoundingClientRect();
  if (invoice.left < 0 || invoice.right > window.innerWidth) problems.push(`#invoice at ${invoice.left}-${invoice.right}`);
  return problems;
}"""


def _make_shop():
    from django.utils import timezone

    from apps.accounts.services import user_create, user_update
    from apps.branches.services import branch_update
    from apps.customers.services import customer_create
    from apps.inventory.services import gold_rate_set, item_create
    from apps.sales.services import LineInput, PaymentInput, TradeInInput, sale_create, sale_quote
    from apps.tenancy.services import shop_profile_set
    from tests.helpers import shop_of_its_own

    shop, owner, main, rings = shop_of_its_own(KEY, "Invoice Layout Jewellers")
    shop.vat_percent, shop.profit_percent, shop.language = Decimal("10"), Decimal("7"), "fa"
    shop.save()
    shop_profile_set(shop=shop, actor=owner, legal_name="شرکت زرگری و جواهرسازی نمونه با مسئولیت محدود",
                     address="تهران، خیابان پانزده خرداد، بازار بزرگ، راسته زرگرها، سرای طلا، طبقه دوم، پلاک ۱۲۴",
                     phone="021-55667788", postal_code="1134567890", economic_code="411122223333", national_id="10101234567")
    branch_update(branch=main, address="Grand Bazaar, Goldsmiths' Row, Shop 124")
    user_update(user=owner, full_name="مریم احمدی")
    english = user_create(email=f"manager@{KEY}.test", password=PASSWORD, role="manager", full_name="Mina Manager")
    user_update(user=english, language="en")
    gold_rate_set(actor=owner, base_rate=Decimal("95000000"), base_fineness=750, effective_at=timezone.now() - timezone.timedelta(days=1))
    common = dict(actor=owner, category=rings, branch=main, fineness=750, making_mode="percent", making_value=Decimal("22"),
                  pricing_mode="gold_rate", cost=Decimal("1"), stone_weight=Decimal("0"))
    bangle = item_create(**common, sku="BANGLE-ENGRAVED-0001", quantity=3, gross_weight=Decimal("61.250"),
                         stone_value=Decimal("125000000"),
                         name="دستبند النگویی طلای ۱۸ عیار دست‌ساز با نقش اسلیمی و نگین فیروزه نیشابوری، سفارشی")
    ring = item_create(**common, sku="RING-2", quantity=1, gross_weight=Decimal("4.120"), stone_value=Decimal("0"), name="Ring")
    customer = customer_create(full_name="نگار رحیمی‌نژاد اصفهانی", phone="09123334444")
    lines = [LineInput(item_id=bangle.pk, quantity=2, discount=Decimal("12500000")), LineInput(item_id=ring.pk)]
    trade_ins = [TradeInInput(weight=Decimal("12.5"), fineness=750, description="گردنبند کهنه شکسته")]
    due = sale_quote(lines=lines, trade_ins=trade_ins).due
    sale = sale_create(actor=owner, branch=main, lines=lines, customer=customer, trade_ins=trade_ins, payments=[
        PaymentInput(method="cash", amount=Decimal("150000000")),
        PaymentInput(method="bank_transfer", amount=Decimal("2000000000"), reference="IR-TRANSFER-1405-09-11-778899"),
        PaymentInput(method="card", amount=due - Decimal("2150000000"), reference="slip 998877665544"),
    ])
    return shop.schema_name, str(sale.pk)


@pytest.fixture(scope="module")
def invoice_url(http_server, django_db_blocker):
    with django_db_blocker.unblock():
        drop_shops_committed(domains__domain=f"{KEY}.localhost")
        schema, sale_id = run_committed(_make_shop)
    yield f"http://{KEY}.localhost:{http_server}", f"/sales/{sale_id}/"
    with django_db_blocker.unblock():
        drop_shops_committed(schema_name=schema)


@pytest.mark.parametrize("email,language", [(f"owner@{KEY}.test", "fa"), (f"manager@{KEY}.test", "en")])
def test_the_invoice_fits_at_820_and_1366(browser, invoice_url, django_db_blocker, email, language):
    base, path = invoice_url
    context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    with django_db_blocker.unblock():
        page.goto("/accounts/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url("**/")
        for width in (820, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(path)
            assert page.get_attribute("html", "lang") == language
            assert page.locator("#invoice-lines tbody tr").count() == 4  # two lines, each with its breakdown
            shot(page, f"invoice-{language}-{width}")
            assert page.evaluate(LAYOUT) == [], (language, width)
            page.emulate_media(media="print")
            shot(page, f"invoice-{language}-{width}-print")
            assert page.evaluate(LAYOUT) == [], (language, width, "print")
            page.emulate_media(media="screen")
    context.close()

