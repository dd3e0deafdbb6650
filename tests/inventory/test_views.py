from decimal import Decimal

from apps.inventory.models import GoldRate, Item
from apps.inventory.services import stock_adjust
from tests.helpers import text


def test_the_list_searches_sku_barcode_and_name(as_cashier, make_item):
    make_item(sku="RING-1", name="Plain band")
    make_item(sku="NECK-1", name="Chain", barcode="4006381333931")
    page = text(as_cashier.get("/inventory/", {"q": "ring"}))
    assert "RING-1" in page and "NECK-1" not in page
    page = text(as_cashier.get("/inventory/", {"q": "4006381333931"}))
    assert "NECK-1" in page and "RING-1" not in page
    page = text(as_cashier.get("/inventory/", {"q": "chain"}))
    assert "NECK-1" in page


def test_the_list_filters_and_pages(as_cashier, make_item, category, branch):
    from apps.branches.models import Branch
    from apps.inventory.services import category_create

    chains = category_create(name="Chains")
    main = Branch.objects.get(name="Main")
    make_item(sku="A-750")
    make_item(sku="A-916", fineness=916, category=chains)
    make_item(sku="A-MAIN", branch=main)
    sold = make_item(sku="A-SOLD", is_unique_piece=True)
    stock_adjust(actor=None, item=sold, new_quantity=0, note="count")

    def skus(**params):
        page = text(as_cashier.get("/inventory/", params))
        return {sku for sku in ("A-750", "A-916", "A-MAIN", "A-SOLD") if sku in page}

    assert skus(fineness=916) == {"A-916"}
    assert skus(category=str(chains.pk)) == {"A-916"}
    assert skus(branch=str(main.pk)) == {"A-MAIN"}
    assert skus(status="sold") == {"A-SOLD"}
    for n in range(30):
        make_item(sku=f"P-{n:03d}")
    first, second = text(as_cashier.get("/inventory/", {"q": "P-"})), text(as_cashier.get("/inventory/", {"q": "P-", "page": 2}))
    assert "P-000" in first and "P-029" not in first
    assert "P-029" in second and "P-000" not in second
    assert 'rel="next"' in first


def test_htmx_gets_only_the_rows(as_cashier, make_item):
    make_item(sku="HX-1")
    response = as_cashier.get("/inventory/", {"q": "HX"}, HTTP_HX_REQUEST="true")
    body = text(response)
    assert "HX-1" in body and "<html" not in body


def test_detail_shows_the_price_at_todays_rate_and_the_movements(as_cashier, make_item, gold_rate):
    ring = make_item(sku="V1", quantity=2)
    page = text(as_cashier.get(f"/inventory/{ring.pk}/"))
    assert "53,754,400" in page  # PRICING.md vector 1
    for part in ("40,000,000", "7,200,000", "3,304,000", "1,250,400", "2,000,000"):
        assert part in page
    assert "Purchase" in page and "Initial stock" in page


def test_detail_says_when_no_rate_is_set(as_cashier, make_item):
    ring = make_item(sku="NORATE")
    assert "No gold rate has been set yet" in text(as_cashier.get(f"/inventory/{ring.pk}/"))


def _form(**overrides):
    data = {"sku": "NEW-1", "barcode": "", "name": "Bangle", "new_category": "Bangles", "branch": "", "fineness": "750",
            "gross_weight": "۱۲٫۵۰۰", "stone_weight": "0", "making_mode": "percent", "making_value": "15", "stone_value": "0",
            "pricing_mode": "gold_rate", "fixed_price": "", "cost": "1,000,000", "quantity": "1"}
    data.update(overrides)
    return data


def test_a_manager_creates_and_edits_an_item(as_manager, branch):
    response = as_manager.post("/inventory/new/", _form(branch=str(branch.pk)))
    assert response.status_code == 302, text(response)
    item = Item.objects.get(sku="NEW-1")
    assert item.gross_weight == Decimal("12.500") and item.category.name == "Bangles" and item.quantity == 1
    assert item.cost == Decimal("1000000")
    edit = _form(branch=str(branch.pk), name="Wide bangle", new_category="", category=str(item.category_id), status="in_repair")
    edit.pop("quantity")
    response = as_manager.post(f"/inventory/{item.pk}/edit/", edit)
    assert response.status_code == 302, text(response)
    item.refresh_from_db()
    assert item.name == "Wide bangle" and item.status == "in_repair"


def test_the_form_reports_a_taken_sku_on_its_field(as_manager, branch, make_item):
    make_item(sku="DUP")
    response = as_manager.post("/inventory/new/", _form(sku="DUP", branch=str(branch.pk)))
    assert response.status_code == 200
    assert "already used" in text(response)
    assert Item.objects.filter(sku="DUP").count() == 1


def test_a_cashier_cannot_create_items(as_cashier, branch):
    assert as_cashier.post("/inventory/new/", _form(branch=str(branch.pk))).status_code == 403
    assert not Item.objects.filter(sku="NEW-1").exists()


def test_the_tag_carries_a_code128_barcode(as_cashier, make_item):
    ring = make_item(sku="TAG-1", barcode="123456789")
    page = text(as_cashier.get(f"/inventory/{ring.pk}/tag/"))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="barcode"' in page
    assert 'aria-label="123456789"' in page
    assert "data-print" in page


def test_gold_rate_board_sets_a_rate_and_keeps_history(as_manager, as_cashier, gold_rate):
    before = GoldRate.objects.count()
    response = as_manager.post("/gold-rate/", {"base_rate": "8,100,000", "base_fineness": "750", "rate_999": ""})
    assert response.status_code == 302
    assert GoldRate.objects.count() == before + 1
    page = text(as_manager.get("/gold-rate/"))
    assert "8,100,000" in page and "8,000,000" in page
    assert "<polyline" in page  # the history chart
    assert as_cashier.post("/gold-rate/", {"base_rate": "1", "base_fineness": "750"}).status_code == 403
    assert 'name="base_rate"' not in text(as_cashier.get("/gold-rate/"))


def test_gold_rate_board_refuses_a_bad_rate(as_manager):
    response = as_manager.post("/gold-rate/", {"base_rate": "-5", "base_fineness": "750"})
    assert response.status_code == 200 and GoldRate.objects.count() == 0
