"""Input the database cannot store is refused at the door (issue 12): NUL in
a query, a form, a header or a JSON body is 400 `invalid_characters`, a body
over the limit is 413 `payload_too_large` (JSON under /api/, a page with the
code elsewhere), numbers no column holds are refused by the field that would read them (400
`validation_error`), fields nobody reads are ignored; and
nothing is written."""
import json

import pytest
from django.conf import settings

from apps.customers.models import Customer
from apps.inventory.models import Item
from tests.helpers import staff_client

NAMED_PAGES = ["/customers/?q=%00", "/sales/?search=%00", "/pos/customer/search/?q=%00", "/inventory/?q=a%00b"]


def api_error(response) -> str:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]


def page_error(response) -> str:
    text = response.content.decode()
    assert "<h1>" in text  # a readable page, not a stack trace
    return text.split("error code: ")[1].split(" ")[0]


@pytest.mark.parametrize("url", NAMED_PAGES)
def test_nul_in_a_page_query_is_a_400_page(as_owner, url):
    response = as_owner.get(url)
    assert response.status_code == 400
    assert page_error(response) == "invalid_characters"


def test_nul_in_the_counter_scan_is_refused_and_the_cart_stays_empty(as_owner, make_item):
    make_item(barcode="6260000000017")
    response = as_owner.post("/pos/scan/", {"code": "6260000000017\x00"})
    assert response.status_code == 400 and page_error(response) == "invalid_characters"
    assert not as_owner.session.get("cart", {}).get("lines")


def test_nul_in_an_api_query_header_or_json_body_is_invalid_characters(world):
    api = staff_client("a", "owner")
    assert api_error(api.get("/api/v1/sales/?search=%00")) == "invalid_characters"
    before = Customer.objects.count()
    refused = [
        api.post("/api/v1/customers/", {"full_name": "Ali\x00", "phone": "09121110002"}, format="json"),
        api.post("/api/v1/customers/", json.dumps({"full_name": "Ali", "phone": "09121110002", "notes": "\ud800"}),
                 content_type="application/json"),
        api.post("/api/v1/customers/", {"full_name": "Ali", "phone": "09121110002", "x\x00": 1}, format="json"),
        api.post("/api/v1/customers/", {"full_name": "Ali", "phone": "09121110002"}, format="json", HTTP_IDEMPOTENCY_KEY="k\x00"),
    ]
    for response in refused:
        assert response.status_code == 400 and api_error(response) == "invalid_characters", response.content
    assert Customer.objects.count() == before


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", str(2**63), str(-(2**64))])
def test_a_json_number_no_column_holds_is_refused_by_its_field(world, number):
    body = json.dumps({"new_quantity": "@", "note": "counted"}).replace('"@"', number)
    response = staff_client("a", "owner").post(f"/api/v1/items/{world.chain_id}/stock-adjustment/", body, content_type="application/json")
    assert response.status_code == 400 and api_error(response) == "validation_error", response.content
    assert [d["field"] for d in response.json()["error"]["details"]] == ["new_quantity"], response.content
    assert Item.objects.get(pk=world.chain_id).quantity == 10


def test_a_huge_number_in_a_field_nobody_reads_is_ignored(world):
    body = json.dumps({"new_quantity": 9, "note": "counted", "extra": "@"}).replace('"@"', str(2**70))
    response = staff_client("a", "owner").post(f"/api/v1/items/{world.chain_id}/stock-adjustment/", body, content_type="application/json")
    assert response.status_code < 300, response.content
    assert Item.objects.get(pk=world.chain_id).quantity == 9


def test_json_nested_too_deep_is_a_parse_error(world):
    body = "[" * 100_000 + "]" * 100_000
    response = staff_client("a", "owner").post("/api/v1/customers/", body, content_type="application/json")
    assert response.status_code == 400 and api_error(response) == "parse_error"


def test_an_api_body_over_the_limit_is_413_and_writes_nothing(world):
    api = staff_client("a", "owner")
    before = Customer.objects.count()
    big = {"full_name": "Ali", "phone": "09121110003", "notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    for method in (api.post, api.patch):
        url = "/api/v1/customers/" if method == api.post else f"/api/v1/customers/{world.customer_id}/"
        response = method(url, big, format="json")
        assert response.status_code == 413 and api_error(response) == "payload_too_large", response.content
    assert Customer.objects.count() == before
    assert Customer.objects.get(pk=world.customer_id).notes == ""


def test_a_form_over_the_limit_is_a_413_page(as_owner):
    before = Customer.objects.count()
    response = as_owner.post("/customers/new/", {"full_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "phone": "09121110004"})
    assert response.status_code == 413 and page_error(response) == "payload_too_large"
    assert Customer.objects.count() == before


def test_a_30_digit_amount_on_a_page_form_is_a_form_error(as_owner, category, branch):
    data = {"sku": "BIG-1", "name": "Big", "category": category.pk, "branch": branch.pk, "fineness": "750",
            "gross_weight": "5", "making_mode": "percent", "making_value": "1" * 30, "pricing_mode": "gold_rate",
            "quantity": "1", "status": "in_stock"}
    response = as_owner.post("/inventory/new/", data)
    assert response.status_code == 200 and "digits before the point" in response.content.decode()
    assert not Item.objects.filter(sku="BIG-1").exists()


@pytest.mark.live_server
def test_over_real_http_the_reported_requests_get_their_codes(http_server, django_db_blocker):
    """The requests of the issue, sent as the prober sent them, over HTTP."""
    import httpx

    from tests.helpers import SHOPS

    url, host = f"http://127.0.0.1:{http_server}", {"Host": SHOPS["a"]["domain"]}
    with django_db_blocker.unblock():  # the server's thread reads the session's committed shops
        page = httpx.get(f"{url}/customers/?q=%00", headers=host, timeout=30)
        api = httpx.get(f"{url}/api/v1/sales/?search=%00", headers=host, timeout=30)
        login = httpx.post(f"{url}/api/v1/auth/token/", json={"email": "a" * 300 + "@x.test", "password": "x"}, headers=host, timeout=30)
    assert page.status_code == 400 and "error code: invalid_characters" in page.text
    assert api.status_code == 400 and api.json()["error"]["code"] == "invalid_characters"
    assert login.status_code == 400 and login.json()["error"]["code"] == "validation_error"
