"""What no column can store, inside a push (issue 12): the operation holding
it is `rejected` alone (and kept for review, made storable), the rest of the
batch is applied, never a 500; a body that is not JSON we can read is 400."""
import json
import uuid

import pytest

from apps.customers.models import Customer
from apps.pos_sync.models import Device, Operation
from apps.review.models import ReviewItem
from apps.sales.models import Sale
from tests.pos_sync import catalogue
from tests.pos_sync.conftest import pos_client
from tests.pos_sync.ops import op, sale_payload


def customer_op(seq, **fields):
    payload = {"id": str(uuid.uuid4()), "full_name": "Sara", "phone": f"0912555000{seq}", **fields}
    return op(seq, payload, type="customer.create")


def push_text(device, text: str):
    return pos_client("a", device.token).post("/api/pos/v1/sync/push", text, content_type="application/json")


@pytest.mark.parametrize("where", ["full_name", "phone", "key"])
def test_a_nul_in_one_operation_rejects_it_alone_and_the_batch_goes_on(device_a, where):
    bad = customer_op(1, **({"full_name": "Sa\x00ra"} if where == "full_name" else {"phone": "0912\x00"} if where == "phone" else {"x\x00": 1}))
    response = push_text(device_a, json.dumps({"operations": [bad, customer_op(2)]}))
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert first["status"] == "rejected" and first["errors"][0]["code"] == "invalid_characters"
    assert first["errors"][0]["field"].startswith("payload.")
    assert second["status"] == "applied"
    assert response.json()["last_applied_seq"] == 2 == Device.objects.get(pk=device_a.device.pk).last_applied_seq
    assert Customer.objects.filter(full_name="Sara").count() == 1
    log = Operation.objects.get(device=device_a.device, seq=1)
    assert "\x00" not in json.dumps(log.payload, ensure_ascii=False) and "\ufffd" in json.dumps(log.payload, ensure_ascii=False)
    assert ReviewItem.objects.filter(kind="rejected", operation=log).exists()


def test_a_nul_in_a_sale_and_its_type_is_rejected_and_a_replay_is_a_duplicate(device_a):
    rate = catalogue.gold_rate()
    ring = catalogue.ring()
    sale = op(1, sale_payload([(ring, rate, 1)]) | {"receipt_number": "B1T1\x00"})
    odd_type = op(2, {}, type="sale.cr\x00eate")
    body = json.dumps({"operations": [sale, odd_type]})
    results = push_text(device_a, body).json()["results"]
    assert [(r["status"], r["errors"][0]["code"]) for r in results] == [("rejected", "invalid_characters")] * 2
    assert not Sale.objects.exists()
    again = push_text(device_a, body).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_number_no_column_holds_rejects_the_operation(device_a, number):
    rate = catalogue.gold_rate()
    payload = sale_payload([(catalogue.ring(), rate, 1)])
    payload["payments"][0]["amount"] = "@"
    body = json.dumps({"operations": [op(1, payload)]}).replace('"@"', number)
    result = push_text(device_a, body).json()["results"][0]
    assert result["status"] == "rejected" and result["errors"][0]["code"] == "number_out_of_range", result
    assert not Sale.objects.exists()


def test_a_30_digit_amount_is_rejected_as_an_invalid_amount(device_a):
    rate = catalogue.gold_rate()
    payload = sale_payload([(catalogue.ring(), rate, 1)])
    payload["payments"][0]["amount"] = payload["total"] = "1" * 30
    result = push_text(device_a, json.dumps({"operations": [op(1, payload)]})).json()["results"][0]
    assert result["status"] == "rejected" and result["errors"][0]["code"] == "invalid_amount", result


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"operations": [' + "1" * 5000 + "]}"])
def test_a_body_python_cannot_parse_is_invalid_json(device_a, body):
    response = push_text(device_a, body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert not Operation.objects.exists()

