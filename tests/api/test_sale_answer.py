"""The answer to POST /api/v1/sales/ is built from what the sale writer
wrote, not read back (apps.sales.recording.recorded_sale): it must be the
very bytes a GET of the sale gives afterwards, for every shape of sale."""
from decimal import Decimal

import pytest


def _ring_and_chain(world):
    """Two lines, the ring priced by hand (rate, making charge, discount:
    an override record of four keys), one payment."""
    body = {"customer_id": str(world.customer_id), "lines": [
        {"item_id": str(world.ring_id), "rate": "9000000", "making_value": "20.00", "discount": "15000", "description": "resized"},
        {"item_id": str(world.chain_id), "quantity": 2},
    ]}
    return body, lambda due: [{"method": "card", "amount": str(due), "reference": "slip 9"}]


def _old_gold_and_two_payments(world):
    body = {"lines": [{"item_id": str(world.chain_id)}], "receipt_number": "R-17",
            "trade_ins": [{"weight": "0.1", "fineness": 750, "deduction_percent": "2.5", "description": "old <ring> & co"},
                          {"weight": "0.047", "fineness": 585}]}
    return body, lambda due: [{"method": "cash", "amount": str(due - due // 3)}, {"method": "card", "amount": str(due // 3)}]


def _old_gold_worth_more(world):
    """The shop owes the customer the difference and keeps it as store credit."""
    body = {"customer_id": str(world.customer_id), "lines": [{"item_id": str(world.chain_id)}], "payout_method": "store_credit",
            "trade_ins": [{"weight": "12.5", "fineness": 750}]}
    return body, lambda due: []


@pytest.mark.parametrize("shape", [_ring_and_chain, _old_gold_and_two_payments, _old_gold_worth_more])
def test_the_sale_answer_is_what_a_read_of_it_gives(manager, world, shape):
    body, payments = shape(world)
    body["branch_id"] = str(world.branch_id)
    quote = manager.post("/api/v1/sales/quote/", {k: body[k] for k in ("lines", "trade_ins") if k in body}, format="json")
    assert quote.status_code == 200, quote.content
    body["payments"] = payments(Decimal(quote.json()["due"]))

    answer = manager.post("/api/v1/sales/", body, format="json")
    assert answer.status_code == 201, answer.content
    read = manager.get(f"/api/v1/sales/{answer.json()['id']}/")
    assert read.status_code == 200
    assert answer.content == read.content
