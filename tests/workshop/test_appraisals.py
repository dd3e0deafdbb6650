"""Appraisals: a customer's piece valued at today's board (net gold at the
rate for its fineness, stones at the appraiser's estimate), numbered per
branch, with a PDF certificate; bad input changes nothing."""
from decimal import Decimal

import pytest

from apps.workshop.appraisals import appraisal_create
from apps.workshop.models import Appraisal
from tests.helpers import assert_error, logged_in


def _piece(intake, **changes) -> dict:
    return {"actor": intake["actor"], "branch": intake["branch"], "customer": intake["customer"],
            "description": "Ring with a diamond", "gross_weight": Decimal("4.500"), "stone_weight": Decimal("0.500"),
            "fineness": 750, "stones": "one diamond, 0.30 ct", "stone_value": Decimal("25000000"), **changes}


def test_a_piece_is_valued_at_the_board_and_numbered(intake):
    first = appraisal_create(**_piece(intake))
    second = appraisal_create(**_piece(intake, stone_weight=Decimal("0"), stones="", stone_value=Decimal("0")))
    # 4.000 g of 750 at the board's 8,000,000 a gram.
    assert (first.net_weight, first.rate, first.gold_value) == (Decimal("4.000"), Decimal("8000000"), Decimal("32000000"))
    assert first.value == Decimal("57000000") and second.value == Decimal("36000000")
    assert (second.number, first.label) == (first.number + 1, f"{intake['branch'].code}-A-{first.number:06d}")


@pytest.mark.parametrize("changes, code", [
    ({"gross_weight": Decimal("0")}, "invalid_weight"),
    ({"stone_weight": Decimal("5")}, "invalid_weight"),  # more stone than piece
    ({"gross_weight": 4.5}, "invalid_weight"),
    ({"fineness": 0}, "invalid_fineness"),
    ({"stone_value": Decimal("-1")}, "invalid_amount"),
    ({"description": " "}, "invalid_description"),
])
def test_bad_input_is_refused_and_saves_nothing(intake, changes, code):
    assert_error(code, appraisal_create, **_piece(intake, **changes))
    assert not Appraisal.objects.exists()


def test_the_pages_and_the_certificate(intake, shop_a):
    client = logged_in(intake["actor"])
    customer = intake["customer"]
    assert f"/workshop/appraisals/new/?customer={customer.pk}" in client.get(
        "/workshop/new/", {"for": "appraisal", "q": customer.full_name}).content.decode()
    answer = client.post("/workshop/appraisals/new/", {
        "customer": str(customer.pk), "description": "Bangle", "gross_weight": "10.000", "stone_weight": "", "fineness": "750",
        "stones": "", "stone_value": "", "note": "", "branch": str(intake["branch"].pk)})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    page = client.get(answer["Location"]).content.decode()
    assert "80,000,000" in page
    pdf = client.get(answer["Location"] + "certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    client.post("/accounts/language/", {"language": "fa"})
    assert client.get(answer["Location"] + "certificate.pdf").content.startswith(b"%PDF")
    refused = client.post("/workshop/appraisals/new/", {"customer": str(customer.pk), "description": "Bangle", "gross_weight": "-1",
                                                        "fineness": "750", "branch": str(intake["branch"].pk)})
    assert refused.status_code == 200 and 'class="errors"' in refused.content.decode() and Appraisal.objects.count() == 1
