"""The invoice a tax office accepts (issue 14 item 6): the shop's legal
identity, the branch, per line quantity, unit price and tax, the customer's
name and phone, the cashier's name, the payments in one order and one label,
the same on the page and in its PDF, in Persian and in English."""
import html
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from apps.accounts.services import user_update
from apps.branches.services import branch_update
from apps.customers.services import customer_create
from apps.sales.services import LineInput, PaymentInput, TradeInInput, sale_quote
from apps.tenancy.services import shop_profile_set
from tests.helpers import text
from tests.pdf_text import pdf_runs, plain

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u067e-\u06d3\ufb50-\ufdff\ufe70-\ufeff]")
_PAGE_NUMBER = re.compile(r"^[\d/]+$")
# Longer than a PDF cell: it wraps there, whole, as it does on the page.
LONG_NAME = "زنجیر طلای ۱۸ عیار دست‌ساز با نقش اسلیمی و نگین فیروزه نیشابوری، سفارشی برای مشتری ویژه با حکاکی نام"
IDENTITY = {
    "legal_name": "Zargar Gold Trading Co.", "address": "12 Bazaar Street, Tehran", "phone": "021-66554433",
    "postal_code": "1134567890", "economic_code": "411122223333", "national_id": "10101234567",
}


@pytest.fixture
def invoiced(shop, owner, cashier, branch, make_item, gold_rate, in_shop_a):
    """A sale of two lines (two rings, one with a discount, and a chain), old
    gold taken in, paid in cash then by card, to a customer with a phone, by a
    cashier with a name, in a shop with its legal identity set."""
    shop_profile_set(shop=shop, actor=owner, **IDENTITY)
    branch_update(branch=branch, address="Shop 7, Grand Bazaar")
    user_update(user=cashier, full_name="Sara Karimi")
    customer = customer_create(full_name="نگار رحیمی", phone="09123334444")
    ring, chain = make_item(sku="INV-RING", quantity=3), make_item(sku="INV-CHAIN", name=LONG_NAME)
    lines = [LineInput(item_id=ring.pk, quantity=2, discount=Decimal("500000")), LineInput(item_id=chain.pk)]
    trade_ins = [TradeInInput(weight=Decimal("2"), fineness=750, pure_rate=Decimal("10000000"), description="old ring")]
    due = sale_quote(lines=lines, trade_ins=trade_ins).due
    from apps.sales.services import sale_create

    sale = sale_create(actor=cashier, branch=branch, lines=lines, customer=customer, trade_ins=trade_ins, payments=[
        PaymentInput(method="cash", amount=Decimal("30000000")),
        PaymentInput(method="card", amount=due - Decimal("30000000"), reference="slip 77"),
    ])
    return sale


def _speak(user, language):
    user_update(user=user, language=language)


def _word(word: str) -> str:
    return word.replace("\u200c", "").rstrip(":")


def page_tokens(body: str) -> list[str]:
    article = body[body.index('<article class="invoice"'):body.index("</article>")]
    return [_word(w) for w in html.unescape(re.sub(r"<[^>]+>", " ", article)).split()]


def pdf_tokens(content: bytes) -> list[str]:
    """Words of the PDF in reading order within each run; a Persian word is
    drawn reversed (visual order), so it is turned back."""
    words = []
    for run in pdf_runs(content):
        for word in run.split():
            words.append(_word(plain(word[::-1] if _ARABIC_LETTER.search(word) else word)))
    return words


def _figures(sale, language):
    from apps.ui import formatting

    def m(value):
        return formatting.money(value, sale.currency, language, unit=False)  # a word: the unit is a word of its own

    lines = list(sale.lines.order_by("line_no"))
    return {
        "line figures": [m(v) for line in lines for v in (line.unit_price, line.tax, line.discount, line.total)],
        "quantities": [formatting.number(line.quantity, None, language) for line in lines],
        "payments": [m(p.amount) for p in sale.payments.order_by("id")],
        "total": m(sale.total),
        "trade-in": m(sale.trade_ins.get().value),
    }


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_page_and_the_pdf_say_the_same(as_cashier, cashier, invoiced, language):
    sale = invoiced
    _speak(cashier, language)
    page = text(as_cashier.get(f"/sales/{sale.pk}/"))
    pdf = as_cashier.get(f"/sales/{sale.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    on_page, in_pdf = page_tokens(page), pdf_tokens(pdf.content)

    # Everything the page's invoice says is in the PDF, and the PDF says
    # nothing else but its footer ("Page 1 of 1 · <title>").
    missing = [t for t in on_page if t not in set(in_pdf)]
    assert not missing, missing
    with translation.override(language):
        footer = {_word(w).replace("\u0654", "") for w in (gettext("Page %(page)s of %(pages)s") % {"page": "", "pages": ""}).split()}
    extra = {t for t in in_pdf if t not in set(on_page) | footer and t != "·" and not _PAGE_NUMBER.match(t)}
    assert not extra, extra

    digits = (lambda s: s.translate(PERSIAN)) if language == "fa" else (lambda s: s)
    label = digits(sale.invoice_label).replace("-", "−" if language == "fa" else "-")
    for document in (on_page, in_pdf):
        words = set(document)
        for value in ("Zargar Gold Trading Co.", "12 Bazaar Street, Tehran", "Shop 7, Grand Bazaar", "Bazaar",
                      "Sara Karimi", "INV-RING", "INV-CHAIN", "slip 77", "نگار رحیمی", LONG_NAME, label,
                      *(digits(IDENTITY[k]).replace("-", "−" if language == "fa" else "-")
                        for k in ("phone", "postal_code", "economic_code", "national_id")),
                      digits("+98 912 333 4444")):  # the customer's phone, grouped left to right
            assert all(_word(w) in words for w in value.split()), (value, language)
        assert "cashier@shop-a.test" not in words
        figures = _figures(sale, language)
        for group in ("line figures", "quantities", "payments"):
            for figure in figures[group]:
                assert figure in document, (group, figure)
        assert figures["total"] in document and figures["trade-in"] in document


def test_the_payments_are_in_the_order_entered_everywhere(as_cashier, cashier, invoiced):
    """Old gold credit first, then cash, then card, as the cashier entered
    them: on the page, in the PDF and in the staff API."""
    sale = invoiced
    from apps.ui import formatting

    # figures in the tables carry no unit: the invoice says "Amounts in rial" once
    amounts = [formatting.money(p.amount, sale.currency, "en", unit=False) for p in sale.payments.order_by("id")]
    assert [p.method for p in sale.payments.order_by("id")] == ["old_gold", "cash", "card"]
    assert [p.method for p in sale.payments.all()] == ["old_gold", "cash", "card"]  # the model's own order

    page = text(as_cashier.get(f"/sales/{sale.pk}/"))
    table = page[page.index('id="invoice-payments"'):]
    table = table[:table.index("</table>")]
    assert [a for a in re.findall(r'<td class="num"[^>]*>([^<]+)</td>', table)] == amounts

    in_pdf = pdf_tokens(as_cashier.get(f"/sales/{sale.pk}/pdf/").content)
    start = in_pdf.index("Payments")
    assert [t for t in in_pdf[start:] if t in amounts][:3] == amounts

    api = as_cashier.get(f"/api/v1/sales/{sale.pk}/")
    assert [p["method"] for p in api.json()["payments"]] == ["old_gold", "cash", "card"]


def test_a_cashier_without_a_name_is_shown_by_e_mail_on_page_and_pdf(as_cashier, cashier, invoiced):
    user_update(user=cashier, full_name="")
    sale = invoiced
    assert "cashier@shop-a.test" in page_tokens(text(as_cashier.get(f"/sales/{sale.pk}/")))
    assert "cashier@shop-a.test" in pdf_tokens(as_cashier.get(f"/sales/{sale.pk}/pdf/").content)


def test_without_a_legal_name_the_shop_name_heads_the_invoice(as_cashier, shop, owner, invoiced):
    shop_profile_set(shop=shop, actor=owner, legal_name="")
    sale = invoiced
    page = text(as_cashier.get(f"/sales/{sale.pk}/"))
    assert f"<h1><bdi>{shop.name}</bdi></h1>" in page
    assert " ".join(pdf_tokens(as_cashier.get(f"/sales/{sale.pk}/pdf/").content)).startswith(f"Invoice {sale.invoice_label} {shop.name}")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_one_label_on_page_list_and_pdf_and_it_finds_the_sale(as_cashier, cashier, invoiced, sell, make_item, language):
    sale, other = invoiced, sell(make_item())
    _speak(cashier, language)
    page = text(as_cashier.get(f"/sales/{sale.pk}/"))
    printed = re.search(r'<h2>[^<]*<span class="ltr">([^<]+)</span></h2>', page).group(1)
    listed = text(as_cashier.get("/sales/"))
    assert re.search(rf'href="/sales/{sale.pk}/" class="ltr">([^<]+)</a>', listed).group(1) == printed
    assert printed in pdf_tokens(as_cashier.get(f"/sales/{sale.pk}/pdf/").content)
    if language == "fa":
        assert printed == sale.invoice_label.translate(PERSIAN).replace("-", "−")

    code, number = sale.branch.code, sale.invoice_number
    typed = {printed, sale.invoice_label, f"{code}-{number:06d}".translate(PERSIAN), f"{code.lower()}-{number}",
             f"{code}-{number}".translate(PERSIAN), f"\u2066{printed}\u2069", f"\u200e{sale.invoice_label}\u200f"}
    for query in typed:
        found = text(as_cashier.get("/sales/", {"search": query}))
        assert f"/sales/{sale.pk}/" in found and f"/sales/{other.pk}/" not in found, query
