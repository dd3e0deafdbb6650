"""
Hostile input on every door (issue 12): Hypothesis sends NUL bytes, lone
surrogates, over-long strings, huge and infinite numbers and oversized bodies
to every operation of the API schema (staff and POS) and to every staff page
and every form those pages render, one field at a time in an otherwise
plausible request, and checks each answer: never a 5xx; a refusal carries a
clear snake_case code (the JSON error shape on the API, the code on the
page); and shop A's tables are exactly as before (a checksum of every row).
A POS push may answer 200 with the operation `rejected`, which the protocol
records (log, review item, the device's sequence) and nothing else.

Targets are found, not listed (tests/core/fuzz_targets.py), so a new
operation or form is fuzzed without touching this file. A bounded,
deterministic number of examples per target keeps it to about a minute.
"""
import json
import os
import re
import uuid
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.inventory.models import GoldRate, Item
from tests.conftest import SHOPS
from tests.core import fuzz_targets as targets
from tests.helpers import PASSWORD, staff_client
from tests.pos_sync.conftest import enrol_device, pos_client
from tests.pos_sync.ops import op, sale_payload

# Examples per target; FUZZ_EXAMPLES=<factor> multiplies them for a deeper run by hand.
DEPTH = int(os.environ.get("FUZZ_EXAMPLES", "1"))
API_EXAMPLES = 8 * DEPTH
PAGE_EXAMPLES = 5 * DEPTH
FORM_EXAMPLES = 8 * DEPTH
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class Raw(str):
    """A JSON number written as is (1e400 is no Python float)."""


def dumps(body) -> str:
    raws: list[str] = []

    def hold(value):
        if isinstance(value, Raw):
            raws.append(value)
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(value, dict):
            return {k: hold(v) for k, v in value.items()}
        if isinstance(value, list):
            return [hold(v) for v in value]
        return value

    text = json.dumps(hold(body))
    for index, raw in enumerate(raws):
        text = text.replace(f'"@@raw{index}@@"', raw)
    return text


# --------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------

OVERSIZED = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
NUL_TEXT = st.tuples(st.text(max_size=6), st.text(max_size=6)).map(lambda parts: parts[0] + "\x00" + parts[1])
SURROGATES = st.sampled_from(["\ud800", "ok\udfffok", "\udbff\udbff"])
NUMERAL_TEXT = st.sampled_from(["1" * 30, "9" * 40 + ".99", "1e400", "-1e400", "NaN", "Infinity", "-" + "1" * 30, "0x10"])
QUERY_NUMBERS = st.sampled_from(["-1", "0", str(2**63), "99999999999999999999", "1.5"])  # pages, limits, ids
JSON_NUMBERS = st.sampled_from([Raw("1e400"), Raw("-1e400"), Raw("1" * 30), Raw("-" + "9" * 25), Raw("1" * 5000), 2**63, -(2**64)])


def over_long(max_length: int | None) -> st.SearchStrategy:
    low = (max_length or 100_000) + 1
    return st.integers(low, low + 2000).map(lambda n: "x" * n)


def hostile_text(max_length, *, json_body: bool) -> st.SearchStrategy:
    options = [NUL_TEXT, over_long(max_length), st.just(OVERSIZED)]
    return st.one_of(*options, SURROGATES) if json_body else st.one_of(*options)


def hostile_for(node: dict, value, *, json_body: bool = True) -> st.SearchStrategy:
    """By the field's type: text fields get bad text; numbers, decimals, ids,
    dates and choices get bad text and bad numbers."""
    kind, fmt = node.get("type"), node.get("format")
    free_text = (kind == "string" and fmt is None and "enum" not in node) or (not node and isinstance(value, str) and not value[:1].isdigit())
    text = hostile_text(node.get("maxLength"), json_body=json_body)
    if free_text:
        return text
    return st.one_of(text, NUMERAL_TEXT, JSON_NUMBERS) if json_body else st.one_of(text, NUMERAL_TEXT, QUERY_NUMBERS)


# --------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------


def check_api_answer(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        body = json.loads(response.content)
        assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"]), f"{where}: {body}"
        assert CODE.match(body["error"]["code"]), f"{where}: {body}"


def check_page_answer(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code in (400, 413):
        found = re.search(rb"error code: ([a-z0-9_]+)", response.content)
        assert found and CODE.match(found.group(1).decode()), f"{where}: {response.content[:300]!r}"


def unchanged(before: dict, after: dict, where: str) -> None:
    changed = sorted(table for table in set(before) | set(after) if before.get(table) != after.get(table))
    assert not changed, f"{where}: a refused request changed {changed}"


def fuzz(target: str, examples: int, strategy, attempt, failures: list) -> None:
    """Runs `attempt(drawn)` on `examples` deterministic draws; notes the first failure."""
    @given(drawn=strategy)
    @hypothesis_settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(drawn):
        attempt(drawn)

    try:
        run()
    except Exception as exc:  # every target is tried; all findings are reported together
        inner = getattr(exc, "exceptions", None)  # Hypothesis' FlakyFailure: the first failure is the finding
        exc = inner[0] if inner else exc
        failures.append(f"{target}: {exc.__class__.__name__}: {str(exc)[:400]}")


# --------------------------------------------------------------------------
# The API: staff and POS, every operation in the schema
# --------------------------------------------------------------------------

SCHEMA = targets.served_schema()
OPERATIONS = targets.api_operations(SCHEMA)


@pytest.fixture
def api_world(world, shop_a):
    """Ids of the world's records; a device; an enrolment code; what the ring costs."""
    from apps.branches.models import Terminal
    from apps.customers.services import customer_create
    from apps.pos_sync.services import enrollment_code_issue
    from apps.sales.services import LineInput, sale_quote
    from apps.workshop.models import RepairTicket
    from apps.workshop.services import repair_ticket_quote

    device = enrol_device(shop_a, name="Fuzz counter", branch_name=SHOPS["a"]["branch"])
    code = enrollment_code_issue(terminal=Terminal.objects.get(pk=world.terminal_id)).code
    ring, rate = Item.objects.get(pk=world.ring_id), GoldRate.objects.get(pk=world.gold_rate_id)
    duplicate = customer_create(full_name="Ali Rezaei (twice)", phone="09121110008")  # what the merge folds in
    ids = {"item_id": str(world.ring_id), "customer_id": str(world.customer_id), "sale_id": str(world.sale_id),
           "terminal_id": str(world.terminal_id), "branch_id": str(world.branch_id), "category_id": str(world.category_id),
           "sale_line_id": str(world.sale_line_id), "gold_rate_id": str(world.gold_rate_id), "enrollment_code": code,
           "user_id": str(world.staff_id), "duplicate_id": str(duplicate.pk), "ticket_id": str(world.ticket_id)}
    due = str(sale_quote(lines=[LineInput(item_id=ring.pk)]).due)
    pickup_due = str(repair_ticket_quote(ticket=RepairTicket.objects.get(pk=world.ticket_id)).due)
    # A sale of the ring, paid in full: valid as it stands; the world's repair promised for a day to come and paid for.
    overrides = {("post", "/api/v1/sales/"): {
        "lines": [{"item_id": str(ring.pk), "quantity": 1, "discount": "0", "description": "fuzz"}], "trade_ins": [],
        "payments": [{"method": "cash", "amount": due, "reference": "fuzz"}], "payout_method": ""},  # nothing to pay out
        ("post", "/api/v1/repairs/"): {"promised_on": "2099-01-01"},
        ("post", "/api/v1/repairs/{ticket_id}/collect/"): {
            "payments": [{"method": "cash", "amount": pickup_due, "reference": "fuzz"}], "labour": {}, "payout_method": ""}}
    new_customer = {"id": str(uuid.uuid4()), "full_name": "Terminal Customer", "phone": "09121110009", "email": "t@shop-a.test"}
    return {"ids": ids, "device": device, "overrides": overrides, "push_type": "sale.create",
            "push_payloads": {"sale.create": sale_payload([(ring, rate, 1)]), "customer.create": new_customer}}


def api_client_for(path: str, api_world):
    if path.startswith(("/api/v1/auth/", "/api/pos/v1/devices/")):
        return staff_client("a", None)
    if path.startswith("/api/pos/"):
        return pos_client("a", api_world["device"].token)
    return staff_client("a", "owner")


def api_base(operation: targets.ApiOperation, api_world) -> tuple[object, list]:
    """A plausible body and its leaves (the push: one operation of the type
    being fuzzed, an offline sale of the ring or a new customer)."""
    if operation.path.endswith("/sync/push"):
        from apps.pos_sync.models import Device

        seq = Device.objects.get(pk=api_world["device"].device.pk).last_applied_seq + 1
        kind = api_world["push_type"]
        body = {"batch_id": None, "operations": [op(seq, api_world["push_payloads"][kind], type=kind)]}
        return body, targets.leaves(SCHEMA, {}, body)
    if operation.body_schema is None:
        return None, []
    body = targets.example(SCHEMA, operation.body_schema, "", api_world["ids"])
    body.update(api_world["overrides"].get((operation.method, operation.path), {}))
    return body, targets.leaves(SCHEMA, operation.body_schema, body)


def api_mutation(operation, leaves):
    """Which part of the request turns hostile, and how."""
    points = [("body", leaf) for leaf in leaves]
    points += [("query", p) for p in operation.parameters if p["in"] == "query"]
    points += [("header", p) for p in operation.parameters if p["in"] == "header"]
    points += [("path", p) for p in operation.parameters if p["in"] == "path"]
    if not points:
        points.append(("query", {"name": "page", "schema": {"type": "integer"}}))

    def value_for(point):
        where, what = point
        if where == "body":
            return hostile_for(what.node, what.value, json_body=True)
        schema = what.get("schema", {})
        if where == "header":
            return st.one_of(NUL_TEXT, over_long(schema.get("maxLength") or 8000))
        return hostile_for(schema, None, json_body=False)

    return st.sampled_from(points).flatmap(lambda point: st.tuples(st.just(point), value_for(point)))


# Their plausible bodies hold no real credentials or tokens (no lockouts, no
# sessions): refused as they stand. Every other base request is accepted, so
# that the one hostile field is what decides each answer.
BASES_REFUSED = {"/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/auth/token/blacklist/"}


def base_is_accepted(operation, client, api_world) -> str | None:
    from django.db import transaction

    body, _ = api_base(operation, api_world)
    path = re.sub(r"{(\w+)}", lambda m: api_world["ids"][m.group(1)], operation.path)
    savepoint = transaction.savepoint()
    if operation.method == "get":
        response = client.get(path)
    else:
        response = client.generic(operation.method.upper(), path, dumps(body) if body is not None else "", content_type="application/json")
    transaction.savepoint_rollback(savepoint)
    accepted = response.status_code < 300
    if accepted and operation.path.endswith("/sync/push"):
        accepted = response.json()["results"][0]["status"] == "applied"
    if accepted == (operation.path in BASES_REFUSED):
        return f"{operation.name} as it stands: {response.status_code} {response.content[:300]!r}"
    return None


def api_attempt(operation, api_world, failures: list):
    client = api_client_for(operation.path, api_world)
    push = operation.path.endswith("/sync/push")

    def attempt(drawn):
        (where, what), value = drawn
        body, _ = api_base(operation, api_world)
        path = re.sub(r"{(\w+)}", lambda m: api_world["ids"][m.group(1)], operation.path)
        query, headers = {}, {}
        if where == "body":
            body = targets.with_value(body, what.path, value)
        elif where == "query":
            query[what["name"]] = value
        elif where == "header":
            headers["HTTP_" + what["name"].upper().replace("-", "_")] = value
        else:
            path = re.sub(r"{(\w+)}", lambda m: quote(value, safe="") if m.group(1) == what["name"] else api_world["ids"][m.group(1)],
                          operation.path)
        url = path + ("?" + urlencode(query) if query else "")
        label = f"{operation.name} {where} {getattr(what, 'name', None) or what.get('name')}={str(value)[:40]!r}"
        before = targets.shop_checksum(targets.PUSH_BOOKKEEPING if push else set())
        if operation.method == "get":
            response = client.get(url, **headers)
        else:
            response = client.generic(operation.method.upper(), url, dumps(body) if body is not None else "",
                                      content_type="application/json", **headers)
        check_api_answer(response, label)
        if push and response.status_code == 200:
            for result in response.json()["results"]:
                assert result["status"] in ("rejected", "retry"), f"{label}: {result}"
                assert all(CODE.match(error["code"]) for error in result["errors"]), f"{label}: {result}"
        unchanged(before, targets.shop_checksum(targets.PUSH_BOOKKEEPING if push else set()), label)

    _, leaves = api_base(operation, api_world)
    base_refused = base_is_accepted(operation, client, api_world)
    if base_refused:
        failures.append(base_refused)
    return api_mutation(operation, leaves), attempt


def test_every_api_operation_survives_hostile_input(api_world):
    assert len(OPERATIONS) >= 36 and {o.path for o in OPERATIONS} >= {"/api/pos/v1/sync/push", "/api/v1/auth/token/"}
    failures: list[str] = []
    for operation in OPERATIONS:
        for push_type in api_world["push_payloads"] if operation.path.endswith("/sync/push") else [None]:
            api_world["push_type"] = push_type
            strategy, attempt = api_attempt(operation, api_world, failures)
            fuzz(f"{operation.name} {push_type or ''}", API_EXAMPLES, strategy, attempt, failures)
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------
# The staff pages and their forms
# --------------------------------------------------------------------------

# Plausible values where a form field's name says what it is, so that one
# hostile field is what decides the answer.
FORM_VALUES = {
    "full_name": "Fuzz Person", "phone": "09121110001", "email": "fuzz@shop-a.test", "name": "Fuzz", "sku": "FUZZ-2",
    "gross_weight": "5", "stone_weight": "0", "quantity": "1", "fineness": "750", "base_rate": "8000000",
    "making_value": "10", "reason": "fuzz", "note": "fuzz", "amount": "1", "weight": "1", "code": "no-such-code",
    "username": "nobody@shop-a.test", "password": "not-the-password", "old_password": PASSWORD,
    "new_password1": "Fuzz-pass-12345", "new_password2": "Fuzz-pass-12345",
}
SIGNED_OUT_PAGES = {"login"}


@pytest.fixture
def page_world(world, as_owner):
    """The counter holds the ring (its line forms render) and a review item is open."""
    from apps.review.services import review_open

    as_owner.post("/pos/add/", {"item_id": str(world.ring_id)})
    review = review_open(kind="stock_drift", details={"note": "fuzz"})
    ids = {"item_id": world.ring_id, "customer_id": world.customer_id, "sale_id": world.sale_id,
           "terminal_id": world.terminal_id, "review_id": review.pk, "index": 0}
    return ids


def discover_pages(page_world, as_owner, anonymous):
    """GET every staff page; returns {route name: url} and the forms they render."""
    pages, forms = {}, {}
    for route, name in targets.staff_url_patterns():
        url = targets.fill_route(route, page_world)
        client = anonymous if name in SIGNED_OUT_PAGES else as_owner
        response = client.get(url)
        assert response.status_code < 500, url
        pages[name] = url
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for form in targets.page_forms(url, response.content.decode()):
                if form.fields:
                    forms.setdefault((form.method, form.action), (form, name))  # a form without fields (logout, checkout) is not fuzzed
    return pages, forms


def test_every_staff_page_and_form_survives_hostile_input(page_world, as_owner, shop_a):
    anonymous = Client(HTTP_HOST=SHOPS["a"]["domain"])
    pages, forms = discover_pages(page_world, as_owner, anonymous)
    assert len(pages) == len(targets.staff_url_patterns())
    post_actions = {action for (method, action) in forms if method == "post"}
    for expected in ("/pos/scan/", "/pos/payments/", "/pos/trade-ins/", "/pos/customer/new/", "/customers/new/",
                     "/inventory/new/", "/settings/", "/accounts/login/", "/gold-rate/", "/pos/lines/0/"):
        assert expected in post_actions, (expected, sorted(post_actions))
    failures: list[str] = []

    for name, url in pages.items():
        client = anonymous if name in SIGNED_OUT_PAGES else as_owner
        params = ["page", "q", "search"] + [f for (m, a), (form, page) in forms.items() if m == "get" and page == name for f in form.fields]
        strategy = st.tuples(st.sampled_from(sorted(set(params))), st.one_of(hostile_text(None, json_body=False), NUMERAL_TEXT, QUERY_NUMBERS))

        def get_attempt(drawn, url=url, client=client):
            param, value = drawn
            label = f"GET {url}?{param}={value[:40]!r}"
            before = targets.shop_checksum()
            check_page_answer(client.get(url + "?" + urlencode({param: value})), label)
            unchanged(before, targets.shop_checksum(), label)

        fuzz(f"GET {url}", PAGE_EXAMPLES, strategy, get_attempt, failures)

    for (method, action), (form, page) in forms.items():
        if method != "post":
            continue
        client = anonymous if page in SIGNED_OUT_PAGES else as_owner
        base = {name: f.value or FORM_VALUES.get(name, "") for name, f in form.fields.items()}
        fields = sorted(form.fields.values(), key=lambda f: f.name)
        strategy = st.sampled_from(fields).flatmap(lambda f: st.tuples(
            st.just(f.name), st.one_of(hostile_text(f.max_length, json_body=False), *([NUMERAL_TEXT] if f.numeric else [])),
            st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data"])))

        def post_attempt(drawn, action=action, base=base, client=client):
            field, value, encoding = drawn
            data = {**base, field: value}
            label = f"POST {action} {field}={value[:40]!r} ({encoding})"
            before = targets.shop_checksum()
            if encoding.startswith("multipart"):
                response = client.post(action, data)
            else:
                response = client.post(action, urlencode(data), content_type=encoding)
            check_page_answer(response, label)
            unchanged(before, targets.shop_checksum(), label)

        fuzz(f"POST {action}", FORM_EXAMPLES, strategy, post_attempt, failures)
    assert not failures, "\n".join(failures)
