"""Bad input is a form error, never a 500 (issue 14, item 8).

A registry of every staff form that writes (and the staff API's matching
payloads) lists each numeric and text field with what it refuses. Each
field in turn gets an over-long, a negative, a zero, a non-numeric and a
30-digit value in an otherwise valid request: a refused value is answered
200 (the form again, with the error on it) or 400/409 (the API's JSON error),
never a 5xx, and nothing saved changes (a checksum of every row of the shop,
and the shop's settings row). A value a field may take (a zero stone weight)
is only checked not to be a 5xx. Each base request alone is accepted, so the
one bad field is what decides the answer.
"""
import json
import re
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from apps.branches.models import Branch
from apps.core.timezones import shop_today
from apps.customers.models import Customer
from apps.inventory.models import Item
from apps.tenancy.models import Tenant
from apps.workshop.services import DepositInput, ServiceInput, repair_ticket_create, repair_ticket_move, repair_ticket_quote
from tests.core.fuzz_targets import shop_checksum
from tests.helpers import PASSWORD, SHOPS, staff, staff_client

KINDS = ("over_long", "negative", "zero", "non_numeric", "thirty_digits")
ALL = frozenset(KINDS)
NOT_ZERO = ALL - {"zero"}  # zero is a value the field takes (no stones, no discount)
ERROR_MARK = re.compile(rb'class="errors"|<li class="error"')


@dataclass(frozen=True)
class Field:
    refuses: frozenset  # of KINDS
    max_length: int | None = None  # text: over-long is one more character
    also: tuple = ()  # further values it refuses (over a limit)

    def value(self, kind: str) -> str:
        if kind == "over_long":
            return "x" * (self.max_length + 1) if self.max_length else "1" * 1000
        return {"negative": "-1", "zero": "0", "non_numeric": "abc", "thirty_digits": "1" * 30}[kind]


def number(refuses=ALL, *also) -> Field:
    return Field(frozenset(refuses), None, also)


def text(max_length: int, refuses=frozenset({"over_long"})) -> Field:
    return Field(frozenset(refuses), max_length)


@dataclass
class Door:
    path: str  # {ring}, {review}, {sale} filled from the world
    base: dict
    fields: dict  # name -> Field
    htmx: bool = False  # the counter answers its panel in place
    signed_out: bool = False
    settings_row: bool = False  # writes the shop's settings (public schema), not its tables
    api: str = ""  # "post" or "patch": a JSON body to the staff API
    writes: bool = True  # the base request saves something (the counter keeps a draft cart in the session)
    fixed: dict = field(default_factory=dict)


ITEM = {"sku": "BAD-1", "barcode": "", "name": "Bad input ring", "category": "{category}", "new_category": "",
        "branch": "{branch}", "fineness": "750", "gross_weight": "5", "stone_weight": "0", "making_mode": "percent",
        "making_value": "10", "stone_value": "0", "pricing_mode": "gold_rate", "fixed_price": "", "cost": "0"}
ITEM_FIELDS = {
    "fineness": number(), "gross_weight": number(), "stone_weight": number(NOT_ZERO, "6"),
    "making_value": number(NOT_ZERO, "100.01", "500"), "stone_value": number(NOT_ZERO), "cost": number(NOT_ZERO),
    "fixed_price": number(NOT_ZERO), "sku": text(64), "barcode": text(64), "name": text(200), "new_category": text(120),
}
CUSTOMER = {"full_name": "Bad Input", "phone": "09121110042", "email": "", "birthday": "", "notes": ""}
PHONE = number(ALL)  # "-1", "0", "abc" and 30 digits are no phone numbers
SALE_DUE = "{due}"

DOORS = {
    "item create": Door("/inventory/new/", {**ITEM, "quantity": "1"},
                        {**ITEM_FIELDS, "quantity": number(NOT_ZERO)}),
    "item edit": Door("/inventory/{ring}/edit/", {**ITEM, "status": "in_stock", "sku": "A-R-1"}, ITEM_FIELDS),
    "gold rate": Door("/gold-rate/", {"base_rate": "8100000", "base_fineness": "750", "rate_999": "", "rate_916": "", "rate_705": ""},
                      {"base_rate": number(), "base_fineness": number(ALL, "1001"), "rate_999": number(), "rate_916": number(),
                       "rate_705": number()}),
    "counter line": Door("/pos/lines/0/", {"quantity": "1", "rate": "", "making_value": "", "discount": ""},
                         {"quantity": number(ALL, "2.5"), "rate": number(), "making_value": number(NOT_ZERO, "101"),
                          "discount": number(NOT_ZERO, "1.5")}, htmx=True, writes=False),
    "counter payment": Door("/pos/payments/", {"method": "cash", "amount": "1", "reference": ""},
                            {"amount": number(ALL, "1.5"), "reference": text(120), "method": text(16, ALL)}, htmx=True),
    "counter trade-in": Door("/pos/trade-ins/", {"weight": "1", "fineness": "750", "deduction_percent": "0", "pure_rate": "",
                                                 "description": "old bangle"},
                             {"weight": number(), "fineness": number(), "deduction_percent": number(NOT_ZERO, "100.01"),
                              "pure_rate": number(), "description": text(255)}, htmx=True),
    "counter customer": Door("/pos/customer/new/", {"full_name": "Quick Add", "phone": "09121110043"},
                             {"full_name": text(150), "phone": PHONE}, htmx=True),
    "customer": Door("/customers/new/", CUSTOMER,
                     {"full_name": text(150), "phone": PHONE, "email": text(254, ALL), "notes": text(2000),
                      "birthday": text(10, ALL)}),
    "settings stock": Door("/settings/", {"settings": "stock", "low_stock_threshold": "3"},
                           {"low_stock_threshold": number(NOT_ZERO)}, settings_row=True),
    "settings prices": Door("/settings/", {"settings": "prices", "amount_unit": "toman", "making_percent_max": "50",
                                           "gold_rate_max_age_hours": "12"},
                            {"making_percent_max": number(NOT_ZERO, "1000"), "gold_rate_max_age_hours": number(NOT_ZERO, "721", "-1")},
                            settings_row=True),
    "settings invoice": Door("/settings/", {"settings": "invoice", "legal_name": "Bad Input Co", "address": "Bazaar 1",
                                            "phone": "02133445566", "postal_code": "1234567890", "economic_code": "4111",
                                            "national_id": "10101010"},
                             {"legal_name": text(200), "address": text(400), "phone": text(32), "postal_code": text(16),
                              "economic_code": text(20), "national_id": text(20)}, settings_row=True),
    "terminal": Door("/terminals/", {"branch": "{branch}", "name": "Counter 9"}, {"name": text(120)}),
    "review note": Door("/review/{review}/resolve/", {"note": "counted again"}, {"note": text(2000)}),
    "void": Door("/sales/{sale}/void/", {"reason": "typed twice", "confirm": "yes"}, {"reason": text(2000)}),
    "password change": Door("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Bad-input-pass-91",
                                                    "new_password2": "Bad-input-pass-91"},
                            {"old_password": text(512), "new_password1": text(512), "new_password2": text(512)}),
    "login": Door("/accounts/login/", {"username": "owner@shop-a.test", "password": PASSWORD},
                  {"username": text(254, ALL), "password": text(512, ALL)}, signed_out=True),
    # the staff API
    # the workshop
    "repair intake": Door("/workshop/new/", {
        "customer": "{customer}", "description": "Ring, worn shank", "gross_weight": "3.250", "fineness": "750",
        "promised_on": "{tomorrow}", "branch": "{branch}", "svc_sizing": "on", "price_sizing": "1500000", "note_sizing": "",
        "note": "", "deposit": "1000", "deposit_method": "cash"},
        {"gross_weight": number(), "fineness": number(), "price_sizing": number(NOT_ZERO), "deposit": number(NOT_ZERO),
         "description": text(255), "note_sizing": text(255), "note": text(2000), "promised_on": text(10, ALL)}),
    "repair deposit": Door("/workshop/{ticket}/deposit/", {"amount": "1000", "method": "cash", "reference": ""},
                           {"amount": number(), "reference": text(120)}),
    "repair gold": Door("/workshop/{ticket}/gold/", {"weight": "0.100", "fineness": "750", "note": ""},
                        {"weight": number(ALL - {"negative"}), "fineness": number(), "note": text(255)}),  # -1 g: gold taken away
    "repair close": Door("/workshop/{ticket}/close/", {"to": "cancelled", "deposit": "refund", "refund_method": "cash",
                                                       "note": "changed mind"}, {"note": text(255)}),
    "repair pickup": Door("/workshop/{ready}/collect/", {"method": "cash", "amount": "{ready_due}", "method_2": "", "amount_2": "",
                                                         "payout_method": ""},
                          {"amount": number(), "amount_2": number(NOT_ZERO)}),
    "workshop prices": Door("/workshop/settings/", {"form": "prices", "sizing": "1000", "soldering": "0", "polishing": "0",
                                                    "stone_setting": "0", "engraving": "0", "plating": "0"},
                            {"sizing": number(NOT_ZERO)}),
    "craftsman": Door("/workshop/settings/", {"form": "craftsman", "name": "Ali", "phone": ""}, {"name": text(120), "phone": text(32)}),
    "appraisal": Door("/workshop/appraisals/new/", {
        "customer": "{customer}", "description": "Ring with a diamond", "gross_weight": "4.500", "stone_weight": "0.500",
        "fineness": "750", "stones": "one diamond", "stone_value": "25000000", "note": "", "branch": "{branch}"},
        {"gross_weight": number(), "stone_weight": number(NOT_ZERO, "4.501"), "fineness": number(), "stone_value": number(NOT_ZERO),
         "description": text(255), "stones": text(255), "note": text(2000)}),
    "API item create": Door("/api/v1/items/", {
        "sku": "BAD-API-1", "name": "Bad input ring", "category_id": "{category}", "branch_id": "{branch}", "fineness": 750,
        "gross_weight": "5.000", "stone_weight": "0", "making_mode": "percent", "making_value": "10", "stone_value": "0",
        "pricing_mode": "gold_rate", "cost": "0", "quantity": 1},
        {"fineness": number(), "gross_weight": number(), "stone_weight": number(NOT_ZERO, "6"),
         "making_value": number(NOT_ZERO, "100.01", "500"), "stone_value": number(NOT_ZERO), "cost": number(NOT_ZERO),
         "quantity": number(NOT_ZERO), "sku": text(64), "name": text(200)}, api="post"),
    "API item edit": Door("/api/v1/items/{ring}/", {"name": "Renamed ring", "gross_weight": "6.000", "making_value": "20"},
                          {"gross_weight": number(), "making_value": number(NOT_ZERO, "500"), "name": text(200)}, api="patch"),
    "API gold rate": Door("/api/v1/gold-rates/", {"base_rate": "8100000", "base_fineness": 750},
                          {"base_rate": number(), "base_fineness": number()}, api="post"),
    "API sale": Door("/api/v1/sales/", {
        "branch_id": "{branch}", "lines": [{"item_id": "{ring}", "quantity": 1, "discount": "0"}], "trade_ins": [],
        "payments": [{"method": "cash", "amount": SALE_DUE, "reference": ""}]},
        {"lines.0.quantity": number(), "lines.0.rate": number(), "lines.0.making_value": number(NOT_ZERO, "101"),
         "lines.0.discount": number(NOT_ZERO), "payments.0.amount": number(), "payments.0.reference": text(120)}, api="post"),
    "API sale quote with old gold": Door("/api/v1/sales/quote/", {
        "lines": [{"item_id": "{ring}", "quantity": 1}],
        "trade_ins": [{"weight": "1.000", "fineness": 750, "deduction_percent": "0", "description": ""}]},
        {"trade_ins.0.weight": number(), "trade_ins.0.fineness": number(), "trade_ins.0.deduction_percent": number(NOT_ZERO, "100.01"),
         "trade_ins.0.pure_rate": number(), "trade_ins.0.description": text(255)}, api="post", writes=False),
    "API customer": Door("/api/v1/customers/", {"full_name": "Bad Input", "phone": "09121110044"},
                         {"full_name": text(150), "phone": PHONE, "email": text(254, ALL), "notes": text(2000)}, api="post"),
    "API stock count": Door("/api/v1/items/{chain}/stock-adjustment/", {"new_quantity": 12, "note": "counted"},
                            {"new_quantity": number(NOT_ZERO), "note": text(2000)}, api="post"),
}


@pytest.fixture
def ids(world, as_owner):
    """The world's ids; the counter holds the ring; a review item is open."""
    from apps.review.services import review_open
    from apps.sales.services import LineInput, sale_quote

    as_owner.post("/pos/add/", {"item_id": str(world.ring_id)})
    ticket, ready = _tickets(world)
    return {"ring": str(world.ring_id), "chain": str(world.chain_id), "category": str(world.category_id), "branch": str(world.branch_id),
            "sale": str(world.sale_id), "review": str(review_open(kind="stock_drift", details={"note": "x"}).pk),
            "due": str(sale_quote(lines=[LineInput(item_id=world.ring_id)]).due), "customer": str(world.customer_id),
            "tomorrow": (timezone.localdate() + timedelta(days=1)).isoformat(), "ticket": str(ticket.pk), "ready": str(ready.pk),
            "ready_due": str(repair_ticket_quote(ticket=ready).due)}


def _tickets(world):
    """A repair just taken in with a deposit, and one ready for pickup."""
    owner = staff("a", "owner")
    intake = {"actor": owner, "branch": Branch.objects.get(pk=world.branch_id), "customer": Customer.objects.get(pk=world.customer_id),
              "description": "Chain", "gross_weight": Decimal("5.000"), "fineness": 750,
              "services": [ServiceInput("soldering", price=Decimal("400000"))], "promised_on": shop_today()}
    ticket = repair_ticket_create(**intake, deposit=DepositInput("cash", Decimal("100000")))
    ready = repair_ticket_create(**intake)
    for to in ("in_work", "ready"):
        repair_ticket_move(actor=owner, ticket=ready, to=to)
    return ticket, ready


def filled(value, ids: dict):
    if isinstance(value, str):
        return re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], value)
    if isinstance(value, dict):
        return {k: filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, ids) for v in value]
    return value


def with_value(body: dict, name: str, value) -> dict:
    body = json.loads(json.dumps(body))
    *path, last = [int(p) if p.isdigit() else p for p in name.split(".")]
    target = body
    for part in path:
        target = target[part]
    target[last] = value
    return body


def send(door: Door, client, data):
    if door.api:
        return getattr(client, door.api)(door_path(door), data, format="json")
    headers = {"HTTP_HX_REQUEST": "true"} if door.htmx else {}
    return client.post(door_path(door), data, follow=not door.htmx, **headers)


def door_path(door: Door) -> str:
    return door.fixed["path"]


def refused(door: Door, response) -> bool:
    """A refusal the user can read: the API's JSON error, or the page again
    with the error on the form or in a message."""
    if door.api:
        if response.status_code not in (400, 409):
            return False
        body = response.json()
        return set(body) == {"error"} and bool(re.match(r"^[a-z][a-z0-9_]*$", body["error"]["code"]))
    return response.status_code in (200, 400) and bool(ERROR_MARK.search(response.content))


def state(door: Door, client):
    """What a refused request must leave as it was: every row of the shop,
    its settings, the counter's cart."""
    sums = shop_checksum()
    if door.settings_row:
        sums["tenant"] = repr(Tenant.objects.filter(domains__domain=SHOPS["a"]["domain"]).values().get())
    if door.htmx:
        sums["cart"] = repr(client.session.get("pos_cart"))
    return sums


@pytest.mark.parametrize("name", DOORS)
def test_every_form_refuses_bad_values_with_an_error_and_saves_nothing(name, ids, as_owner):
    door = DOORS[name]
    door.fixed["path"] = filled(door.path, ids)
    client = as_owner
    if door.api:
        client = staff_client("a", "owner")
    elif door.signed_out:
        from django.test import Client

        client = Client(HTTP_HOST=SHOPS["a"]["domain"])
    base = filled(door.base, ids)

    def attempt(data):
        savepoint, cookies = transaction.savepoint(), deepcopy(client.cookies)
        try:
            before = state(door, client)
            response = send(door, client, data)
            return response, before, state(door, client)
        finally:
            transaction.savepoint_rollback(savepoint)
            client.cookies = cookies  # a session cycled by the request (password change, login) is rolled back too

    response, before, after = attempt(base)
    assert response.status_code < 300 and not refused(door, response) and (before != after or not door.writes), (
        f"{name}: the base request is not accepted: {response.status_code} {response.content[:600]!r}")

    failures = []
    for field_name, spec in door.fields.items():
        values = [(kind, spec.value(kind)) for kind in KINDS] + [("limit", v) for v in spec.also]
        for kind, value in values:
            data = with_value(base, field_name, value) if door.api else {**base, field_name: value}
            response, before, after = attempt(data)
            where = f"{name} {field_name}={value[:30]!r} ({kind})"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
            elif kind in spec.refuses or kind == "limit":
                if not refused(door, response):
                    failures.append(f"{where}: not refused with an error: {response.status_code} {response.content[:300]!r}")
                elif before != after:
                    failures.append(f"{where}: refused, but changed {sorted(k for k in after if before.get(k) != after[k])}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------
# the rules behind the registry, one by one
# --------------------------------------------------------------------------


def test_a_gold_priced_item_of_no_net_weight_is_refused_in_the_service(world, owner):
    from apps.inventory.services import item_create, item_update
    from tests.helpers import assert_error

    ring = Item.objects.get(pk=world.ring_id)
    values = {"sku": "ZERO-G", "name": "Nothing", "category": ring.category, "branch": ring.branch, "fineness": 750,
              "gross_weight": Decimal("0"), "stone_weight": Decimal("0"), "making_mode": "percent",
              "making_value": Decimal("10"), "stone_value": Decimal("0"), "pricing_mode": "gold_rate", "cost": Decimal("0")}
    error = assert_error("invalid_weight", item_create, actor=owner, **values)
    assert error.details[0]["field"] == "gross_weight"
    assert_error("invalid_weight", item_create, actor=owner, **{**values, "gross_weight": Decimal("2"), "stone_weight": Decimal("2")})
    # Fixed-price goods may weigh nothing: they are not sold by their gold.
    item_create(actor=owner, **{**values, "pricing_mode": "fixed", "fixed_price": Decimal("1000")})
    assert_error("invalid_weight", item_update, actor=owner, item=ring, gross_weight=Decimal("0.250"))
    assert Item.objects.get(pk=ring.pk).gross_weight == Decimal("5.250")


def test_the_making_limit_is_the_shops_setting_in_the_service_form_and_counter(world, owner, as_owner, shop):
    from apps.inventory.services import item_update
    from apps.tenancy.services import shop_profile_set
    from tests.helpers import assert_error

    ring = Item.objects.get(pk=world.ring_id)  # 18 % making
    shop_profile_set(shop=shop, actor=owner, making_percent_max=Decimal("15"))
    error = assert_error("making_over_limit", item_update, actor=owner, item=ring, making_value=Decimal("16"))
    assert Decimal(error.details[0]["limit"]) == 15
    # An item priced before the limit was lowered keeps its charge while other things change.
    assert item_update(actor=owner, item=ring, name="Renamed").name == "Renamed"
    item_update(actor=owner, item=ring, making_mode="per_gram", making_value=Decimal("500000"))  # not a percent

    page = as_owner.post(f"/inventory/{ring.pk}/edit/", {**filled(ITEM, {"category": str(ring.category_id), "branch": str(ring.branch_id)}),
                                                         "sku": ring.sku, "status": "in_stock", "making_value": "15.01"})
    assert page.status_code == 200 and page.context["form"].has_error("making_value")
    assert "15" in page.context["form"].errors["making_value"][0]

    item_update(actor=owner, item=ring, making_mode="percent", making_value=Decimal("10"))
    as_owner.post("/pos/add/", {"item_id": str(ring.pk)})
    panel = as_owner.post("/pos/lines/0/", {"quantity": "1", "making_value": "16"}, HTTP_HX_REQUEST="true")
    assert ERROR_MARK.search(panel.content)
    assert as_owner.session["pos_cart"]["lines"][0]["making_value"] is None
