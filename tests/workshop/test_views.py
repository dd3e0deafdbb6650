"""The workshop's staff pages, as a cashier and a manager use them: the board
(overdue first), intake for a customer found first, the ticket page's
actions through to the invoice, the price list; a refusal is shown on the
page, in the page's language, and changes nothing."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from apps.sales.models import Sale
from apps.workshop.models import RepairPrice, RepairStatus, RepairTicket
from apps.workshop.services import DepositInput, repair_ticket_create
from tests.helpers import logged_in, staff


def _intake_post(customer_id, branch_id, **changes) -> dict:
    data = {"customer": str(customer_id), "description": "Gold ring, worn shank", "gross_weight": "3.250", "fineness": "750",
            "promised_on": (timezone.localdate() + timedelta(days=2)).isoformat(), "branch": str(branch_id),
            "svc_sizing": "on", "price_sizing": "1500000", "note_sizing": "52 to 56", "deposit": "500000", "deposit_method": "cash"}
    return {**data, **changes}


@pytest.fixture
def cashier(intake):
    return logged_in(intake["actor"])


def test_intake_finds_the_customer_then_takes_the_piece_in(cashier, intake, shop_a):
    customer, branch = intake["customer"], intake["branch"]
    found = cashier.get("/workshop/new/", {"q": customer.full_name})
    assert found.status_code == 200 and f"?customer={customer.pk}" in found.content.decode()
    form = cashier.get("/workshop/new/", {"customer": customer.pk})
    assert form.status_code == 200 and 'name="svc_polishing"' in form.content.decode()
    answer = cashier.post("/workshop/new/", _intake_post(customer.pk, branch.pk))
    connection.set_tenant(shop_a)
    ticket = RepairTicket.objects.get(description="Gold ring, worn shank")
    assert answer.status_code == 302 and answer["Location"] == f"/workshop/{ticket.pk}/"
    assert (ticket.estimate, ticket.deposit_balance, ticket.lines.get().note) == (Decimal("1500000"), Decimal("500000"), "52 to 56")
    page = cashier.get(answer["Location"]).content.decode()
    assert ticket.label in page and "Gold ring, worn shank" in page


@pytest.mark.parametrize("changes, error", [
    ({"gross_weight": "-1"}, "The weight is not valid."),
    ({"gross_weight": "abc"}, "Enter a number."),
    ({"svc_sizing": ""}, "Choose at least one service."),
    ({"deposit": "1500001"}, "The deposits would come to more than the estimate."),
    ({"fineness": "1001"}, ""),
    ({"promised_on": "1400/01/01"}, ""),
])
def test_a_bad_intake_is_shown_in_persian_and_saves_nothing(cashier, intake, shop_a, changes, error):
    cashier.post("/accounts/language/", {"language": "fa"})
    before = RepairTicket.objects.count()
    answer = cashier.post("/workshop/new/", _intake_post(intake["customer"].pk, intake["branch"].pk, **changes))
    assert answer.status_code == 200 and 'class="errors"' in answer.content.decode()
    if error:
        from django.utils import translation

        with translation.override("fa"):
            persian = str(translation.gettext(error))
        assert persian != error and persian in answer.content.decode()
    connection.set_tenant(shop_a)
    assert RepairTicket.objects.count() == before


def test_the_board_puts_overdue_repairs_first(cashier, intake, shop_a):
    late = repair_ticket_create(**{**intake, "description": "Late chain"})
    soon = repair_ticket_create(**{**intake, "description": "Soon bracelet"})
    RepairTicket.objects.filter(pk=late.pk).update(promised_on=timezone.localdate() - timedelta(days=1))  # promised yesterday
    page = cashier.get("/workshop/").content.decode()
    assert page.index("Late chain") < page.index("Soon bracelet") and "Overdue" in page
    assert soon.label in cashier.get("/workshop/", {"q": soon.label}).content.decode()
    assert "Late chain" not in cashier.get("/workshop/", {"q": soon.label}).content.decode()
    assert "Late chain" not in cashier.get("/workshop/", {"status": "collected"}).content.decode()


def test_the_ticket_page_takes_a_repair_to_its_invoice(cashier, intake, shop_a):
    ticket = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("1000000")))
    base = f"/workshop/{ticket.pk}/"
    assert cashier.post(base + "move/", {"to": "in_work"}).status_code == 302
    refused = cashier.post(base + "deposit/", {"amount": "1000001", "method": "cash"}, follow=True)
    assert "over the estimate" in refused.content.decode()
    cashier.post(base + "gold/", {"weight": "0.400", "fineness": "750", "note": "shank"})
    cashier.post(base + "move/", {"to": "ready"})
    connection.set_tenant(shop_a)
    lines = list(RepairTicket.objects.get(pk=ticket.pk).lines.all())
    page = cashier.get(base).content.decode()
    assert 'action="' + base + 'collect/"' in page
    prefilled = re.search(r'name="amount" value="([^"]*)"', page[page.index('collect/"'):]).group(1)
    assert prefilled.replace(",", "") == "4400000"  # what pickup asks, tax included
    # Sizing 1,500,000 + polishing 500,000 with 10% VAT, 3,200,000 of gold, less the 1,000,000 deposit.
    post = {"method": "card", "amount": "4400000", **{f"labour_{line.pk}": str(int(line.price)) for line in lines}}
    done = cashier.post(base + "collect/", post, follow=True)
    connection.set_tenant(shop_a)
    ticket = RepairTicket.objects.get(pk=ticket.pk)
    assert ticket.status == RepairStatus.COLLECTED, re.findall(r'role="alert"[^<]*<[^>]*>([^<]*)', done.content.decode())
    sale = Sale.objects.get(pk=ticket.sale_id)
    assert sale.total == Decimal("5400000") and sale.invoice_label in done.content.decode()
    assert cashier.get(f"/sales/{sale.pk}/").status_code == 200


def test_the_price_list_is_the_managers(intake, shop_a):
    assert logged_in(staff("a", "cashier")).get("/workshop/settings/").status_code == 403
    manager = logged_in(staff("a", "manager"))
    prices = {"form": "prices", **{kind: "0" for kind in ("soldering", "stone_setting", "engraving", "plating")},
              "sizing": "1750000", "polishing": "abc"}
    assert manager.post("/workshop/settings/", prices).status_code == 200  # refused: polishing is not a number
    connection.set_tenant(shop_a)
    assert RepairPrice.objects.get(kind="sizing").price == Decimal("1500000")
    assert manager.post("/workshop/settings/", {**prices, "polishing": "600000"}).status_code == 302
    connection.set_tenant(shop_a)
    assert RepairPrice.objects.get(kind="sizing").price == Decimal("1750000")
    assert manager.post("/workshop/settings/", {"form": "craftsman", "name": "Mina", "phone": ""}).status_code == 302
    assert "Mina" in manager.get("/workshop/settings/").content.decode()


def test_the_printed_ticket_and_tag_carry_the_label_as_a_barcode(cashier, intake):
    ticket = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("250000")))
    page = cashier.get(f"/workshop/{ticket.pk}/print/").content.decode()
    assert page.count('class="barcode"') == 2 and page.count(ticket.label) >= 2
    assert "Reza the goldsmith" not in page and intake["customer"].full_name in page and "250,000" in page
    # What the scanner reads back finds the ticket on the board.
    assert f"/workshop/{ticket.pk}/" in cashier.get("/workshop/", {"q": ticket.label.lower()}).content.decode()
