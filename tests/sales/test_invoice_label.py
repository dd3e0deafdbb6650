"""The label printed on an invoice is the one way a sale is named, and it
finds that sale in every search box: the sales page, the staff API and the
admin, however the label was typed."""
import re

import pytest

from apps.accounts.models import User
from apps.sales.models import invoice_label, invoice_label_parse

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹−", "0123456789-")


def test_label_is_branch_code_and_zero_padded_number():
    assert invoice_label("B1", 42) == "B1-000042"
    assert invoice_label("B1", 1234567) == "B1-1234567"
    assert invoice_label_parse("B1-000042") == ("B1", 42)
    assert invoice_label_parse(" b1-42 ") == ("B1", 42)
    assert invoice_label_parse("B1 42") == ("B1", 42)
    assert invoice_label_parse("42") is None
    assert invoice_label_parse("B1-") is None


@pytest.fixture
def sold(make_item, gold_rate, sell):
    make_item()  # a piece left in stock, so a search that matches everything would show
    other, target = sell(make_item()), sell(make_item())
    return other, target


def printed_label(client, sale) -> str:
    page = client.get(f"/sales/{sale.pk}/").content.decode()
    return re.search(r'<h2>[^<]*<span class="ltr">([^<]+)</span></h2>', page).group(1)


@pytest.fixture
def staff_client(client_a, manager):
    client_a.force_login(manager)
    return client_a


def test_the_printed_label_finds_the_sale_in_every_search_box(staff_client, client_a, sold):
    other, target = sold
    printed = printed_label(staff_client, target)  # a Persian shop prints Persian digits
    label = printed.translate(LATIN)
    assert label == target.invoice_label == f"{target.branch.code}-{target.invoice_number:06d}"

    for typed in (printed, label, label.lower(), label.translate(PERSIAN), f"{target.branch.code}-{target.invoice_number}"):
        page = staff_client.get("/sales/", {"search": typed}).content.decode()
        assert f"/sales/{target.pk}/" in page and f"/sales/{other.pk}/" not in page, typed

        listed = staff_client.get("/api/v1/sales/", {"search": typed}).json()
        assert [row["id"] for row in listed["results"]] == [str(target.pk)], typed
        assert listed["results"][0]["invoice_label"] == label

    client_a.force_login(User.objects.create_superuser("root@shop-a.test", None))
    found = client_a.get("/admin/sales/sale/", {"q": label}).context["cl"].result_list
    assert [s.pk for s in found] == [target.pk]


def test_a_label_of_another_branch_finds_nothing(staff_client, sold):
    _, target = sold
    listed = staff_client.get("/api/v1/sales/", {"search": f"ZZ-{target.invoice_number:06d}"}).json()
    assert listed["results"] == []
