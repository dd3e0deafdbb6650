"""What an invoice says, once, for the page and the PDF alike.

`invoice_content` turns a sale (read with `selectors.sale_get`, which
prefetches its lines, trade-ins and payments in their one order) and the
shop into text: every figure already formatted in the reader's language
(Persian digits in Persian), every caption translated. The page
(sales/invoice.html and its includes) and `invoice_pdf` only lay that text
out, so the two cannot say different things: the shop's legal identity, the
branch, the lines with quantity, unit price and tax, the customer's name and
phone, the cashier's name, the old gold, the payments and the totals.
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from apps.sales.models import SaleStatus
from apps.ui import formatting
from apps.ui.labels import label
from apps.ui.pdf import AUTO, LTR, Table, document_pdf
from apps.ui.words import amount_in_words


@dataclass(frozen=True)
class Pair:
    """A caption and its value; `ltr` values (codes, phones, the label) are
    one left-to-right run even inside Persian text."""

    caption: str
    value: str
    ltr: bool = False

    def text(self) -> str:
        return f"{self.caption}: {_isolated(self.value, LTR if self.ltr else AUTO)}"


def _isolated(text: str, marks=AUTO) -> str:
    """Text as one run of its own in a line of the PDF (see apps.ui.pdf.AUTO)."""
    return f"{marks[0]}{text}{marks[1]}"


@dataclass(frozen=True)
class Column:
    key: str
    caption: str
    numeric: bool = True


@dataclass
class Grid:
    """A table: its columns and, per row, the text of each column by key."""

    columns: list[Column]
    rows: list[dict[str, str]] = field(default_factory=list)

    def pick(self, *keys: str) -> list[Column]:
        by_key = {c.key: c for c in self.columns}
        return [by_key[k] for k in keys]

    def table(self, caption: str) -> Table:
        return Table(
            caption=caption, columns=[c.caption for c in self.columns],
            rows=[[row[c.key] if c.numeric else _isolated(row[c.key]) for c in self.columns] for row in self.rows],
            numeric={i for i, c in enumerate(self.columns) if c.numeric},
        )


@dataclass
class Invoice:
    label: str
    title: str
    seller_name: str
    seller_address: list[Pair]
    seller: list[Pair]
    branch: list[Pair]
    details: list[Pair]
    buyer: list[Pair]
    lines: Grid
    trade_ins: Grid
    payments: Grid
    totals: list[Pair]
    words: str
    amounts_in: str  # "Amounts in rial": the tables' figures carry no unit of their own
    voided_reason: str = ""

    @property
    def line_main(self) -> list[Column]:
        return self.lines.pick(*LINE_MAIN)

    @property
    def line_breakdown(self) -> list[Column]:
        return self.lines.pick(*LINE_BREAKDOWN)

    @property
    def sku_caption(self) -> str:
        return self.lines.pick("sku")[0].caption


# The lines table on the page shows these columns in its main row and the
# price components under each line; the PDF shows them all in one row.
LINE_MAIN = ("no", "item", "quantity", "fineness", "weight", "unit_price", "discount", "tax", "total")
LINE_BREAKDOWN = ("rate", "gold", "making", "profit", "stones")


def _line_columns() -> list[Column]:
    return [
        Column("no", _("Row")), Column("item", _("Item"), numeric=False), Column("sku", _("SKU"), numeric=False),
        Column("quantity", _("Qty")), Column("fineness", _("Fineness")), Column("weight", _("Weight")),
        Column("rate", _("Rate")), Column("gold", _("Gold")), Column("making", _("Making")), Column("profit", _("Profit")),
        Column("stones", _("Stones")), Column("unit_price", _("Unit price")), Column("discount", _("Discount")),
        Column("tax", _("Tax")), Column("total", _("Total")),
    ]


def person_name(user) -> str:
    """A member of staff as an invoice names them: the full name, the e-mail
    only when there is no name."""
    if user is None:
        return "—"
    return (user.full_name or "").strip() or user.email


def invoice_content(sale, shop, language: str) -> Invoice:
    def m(value):  # an amount with its unit, where it stands alone
        return formatting.money(value, sale.currency, language)

    def cell(value):  # an amount in a table, whose unit is said once above it (`amounts_in`)
        return formatting.money(value, sale.currency, language, unit=False)

    def digits(value):
        return formatting.localize_digits(value, language)

    def n(value):
        return formatting.number(value, None, language)

    number = digits(sale.invoice_label)
    seller = [Pair(caption, digits(value), ltr=True) for caption, value in (
        (_("Economic code"), shop.economic_code), (_("National ID"), shop.national_id),
        (_("Postal code"), shop.postal_code), (_("Phone"), shop.phone),
    ) if value]
    address = [Pair(_("Address"), shop.address)] if shop.address else []
    branch = [Pair(_("Branch"), sale.branch.name)]
    if sale.branch.address:
        branch.append(Pair(_("Branch address"), sale.branch.address))
    details = [Pair(_("Date"), formatting.datetime_text(sale.occurred_at, language))]
    if sale.status != SaleStatus.COMPLETED:
        details.append(Pair(_("Status"), label("sale_status", sale.status)))
    details.append(Pair(_("Cashier"), person_name(sale.cashier)))
    if sale.customer:
        buyer = [Pair(_("Customer"), sale.customer.full_name), Pair(_("Phone"), formatting.phone_text(sale.customer.phone, language), ltr=True)]
    else:
        buyer = [Pair(_("Customer"), _("Walk-in customer"))]

    lines = Grid(_line_columns())
    for line in sale.lines.all():
        lines.rows.append({
            "no": n(line.line_no), "item": line.description or line.item.name, "sku": line.item.sku if line.item else "",
            "quantity": n(line.quantity), "fineness": digits(line.fineness),
            "weight": formatting.weight(line.net_weight * line.quantity, language), "rate": cell(line.rate),
            "gold": cell(line.gold), "making": cell(line.making), "profit": cell(line.profit), "stones": cell(line.stones + line.fixed),
            "unit_price": cell(line.unit_price), "discount": cell(line.discount), "tax": cell(line.tax), "total": cell(line.total),
        })
    trade_ins = Grid([
        Column("description", _("Description"), numeric=False), Column("weight", _("Weight")), Column("fineness", _("Fineness")),
        Column("pure_weight", _("Pure weight")), Column("pure_rate", _("Rate")), Column("deduction", _("Deduction")),
        Column("value", _("Value")),
    ], [{
        "description": t.description or "—", "weight": formatting.weight(t.weight, language), "fineness": digits(t.fineness),
        "pure_weight": formatting.weight(t.pure_weight, language), "pure_rate": cell(t.pure_rate), "deduction": cell(t.deduction),
        "value": cell(t.value),
    } for t in sale.trade_ins.all()])
    payments = Grid(  # in their one order (Payment.Meta.ordering: as entered)
        [Column("method", _("Method"), numeric=False), Column("reference", _("Reference"), numeric=False),
         Column("amount", _("Amount"))],
        [{"method": label("payment", p.method), "reference": p.reference or "—", "amount": cell(p.amount)}
         for p in sale.payments.all()],
    )
    totals = [Pair(_("Subtotal"), m(sale.subtotal))]
    if sale.tax_total:
        totals.append(Pair(_("of which tax"), m(sale.tax_total)))
    if sale.discount_total:
        totals.append(Pair(_("Discount given"), m(sale.discount_total)))
    if sale.rounding:
        totals.append(Pair(_("Rounding"), m(sale.rounding)))
    totals.append(Pair(_("Total"), m(sale.total)))
    return Invoice(
        label=number, title=f"{_('Invoice')} {number}", seller_name=shop.legal_name or shop.name,
        seller_address=address, seller=seller, branch=branch, details=details, buyer=buyer,
        lines=lines, trade_ins=trade_ins, payments=payments, totals=totals,
        words=amount_in_words(sale.total, sale.currency, language),
        amounts_in=_("Amounts in %(unit)s") % {"unit": formatting.money_unit(sale.currency, language)},
        voided_reason=sale.void_reason if sale.status == SaleStatus.VOIDED else "",
    )


def invoice_pdf(invoice: Invoice, *, rtl: bool) -> bytes:
    """The invoice as an A4 landscape PDF: the same text as the page."""
    def joined(pairs):
        return " · ".join(p.text() for p in pairs)

    header = [_isolated(invoice.seller_name), *(p.text() for p in invoice.seller_address)]
    header += [joined(pairs) for pairs in (invoice.seller, invoice.branch, invoice.details, invoice.buyer) if pairs]
    header.append(invoice.amounts_in)
    tables = [invoice.lines.table(_("Items"))]
    if invoice.trade_ins.rows:
        tables.append(invoice.trade_ins.table(_("Old gold taken in")))
    tables.append(invoice.payments.table(_("Payments")))
    closing = [_("Totals"), *(p.text() for p in invoice.totals), f"{_('In words')}: {_isolated(invoice.words)}"]
    if invoice.voided_reason:
        closing.append(f"{_('Voided')}: {_isolated(invoice.voided_reason)}")
    return document_pdf(title=invoice.title, rtl=rtl, header=header, tables=tables, closing=closing, landscape=True)
