"""
Who may do what: every staff API endpoint against every role.

Each row is one operation; each column the status that role gets from a
well-formed request (owner, manager and cashier signed in with real JWTs,
anonymous with no credentials). 401: not signed in; 403: the role lacks the
permission. A second test checks the table names every operation of the
OpenAPI schema, so a new endpoint cannot skip it.

Every role's request runs in a savepoint rolled back afterwards, so each
sees the same shop (a sale voided by the owner is still there for the
manager to void).
"""
import pytest
from django.db import connection, transaction

from tests.conftest import PASSWORD, SHOPS
from tests.helpers import staff_client

MATRIX = """
method  path                                                 owner  manager  cashier  anonymous
POST    /api/v1/auth/token/                                  200    200      200      200
POST    /api/v1/auth/token/refresh/                          200    200      200      200
POST    /api/v1/auth/token/blacklist/                        200    200      200      200
GET     /api/v1/branches/                                    200    200      200      401
GET     /api/v1/terminals/                                   200    200      403      401
POST    /api/v1/terminals/                                   201    201      403      401
POST    /api/v1/terminals/{terminal_id}/enrollment-code/     201    201      403      401
POST    /api/v1/terminals/{terminal_id}/revoke/              200    200      403      401
GET     /api/v1/items/                                       200    200      200      401
POST    /api/v1/items/                                       201    201      403      401
GET     /api/v1/items/low-stock/                             200    200      403      401
GET     /api/v1/items/{item_id}/                             200    200      200      401
PATCH   /api/v1/items/{item_id}/                             200    200      403      401
POST    /api/v1/items/{item_id}/stock-adjustment/            200    200      403      401
GET     /api/v1/categories/                                  200    200      200      401
POST    /api/v1/categories/                                  201    201      403      401
GET     /api/v1/gold-rates/                                  200    200      200      401
POST    /api/v1/gold-rates/                                  201    201      403      401
GET     /api/v1/gold-rates/current/                          200    200      200      401
GET     /api/v1/customers/                                   200    200      200      401
POST    /api/v1/customers/                                   201    201      201      401
GET     /api/v1/customers/{customer_id}/                     200    200      200      401
PATCH   /api/v1/customers/{customer_id}/                     200    200      200      401
DELETE  /api/v1/customers/{customer_id}/                     204    204      204      401
POST    /api/v1/customers/{customer_id}/merge/               200    200      200      401
GET     /api/v1/customers/{customer_id}/purchases/           200    200      200      401
GET     /api/v1/customers/{customer_id}/points/              200    200      200      401
GET     /api/v1/sales/                                       200    200      200      401
POST    /api/v1/sales/                                       201    201      201      401
POST    /api/v1/sales/quote/                                 200    200      200      401
GET     /api/v1/sales/{sale_id}/                             200    200      200      401
POST    /api/v1/sales/{sale_id}/void/                        200    200      403      401
POST    /api/v1/sales/{sale_id}/returns/                     201    201      403      401
GET     /api/v1/dashboard/                                   200    200      403      401
GET     /api/v1/staff/                                       200    200      403      401
POST    /api/v1/staff/                                       201    201      403      401
GET     /api/v1/staff/{user_id}/                             200    200      403      401
PATCH   /api/v1/staff/{user_id}/                             200    200      403      401
POST    /api/v1/staff/{user_id}/password/                    200    200      403      401
GET     /api/v1/repairs/                                     200    200      200      401
POST    /api/v1/repairs/                                     201    201      201      401
GET     /api/v1/repairs/{ticket_id}/                         200    200      200      401
GET     /api/v1/repairs/{ticket_id}/quote/                   200    200      200      401
POST    /api/v1/repairs/{ticket_id}/status/                  200    200      200      401
POST    /api/v1/repairs/{ticket_id}/deposits/                200    200      200      401
POST    /api/v1/repairs/{ticket_id}/metal/                   200    200      200      401
POST    /api/v1/repairs/{ticket_id}/close/                   200    200      200      401
POST    /api/v1/repairs/{ticket_id}/collect/                 200    200      200      401
GET     /api/v1/repair-prices/                               200    200      200      401
POST    /api/v1/repair-prices/                               200    200      403      401
GET     /api/v1/craftsmen/                                   200    200      200      401
POST    /api/v1/craftsmen/                                   201    201      403      401
"""
ROLES = ("owner", "manager", "cashier", "anonymous")


def _rows():
    header, *lines = [line.split() for line in MATRIX.strip().splitlines()]
    assert header[2:] == list(ROLES)
    return [(method, path, dict(zip(ROLES, map(int, statuses)))) for method, path, *statuses in lines]


ROWS = _rows()


def _email(role: str) -> str:
    return SHOPS["a"]["owner"] if role in ("owner", "anonymous") else f"{role}@shop-a.test"


def _refresh_token(role: str) -> str:
    body = {"email": _email(role), "password": PASSWORD}
    return staff_client("a", None).post("/api/v1/auth/token/", body, format="json").json()["refresh"]


def body_for(method: str, path: str, role: str, world) -> dict | None:
    """A well-formed request body: what a role may do must succeed."""
    bodies = {
        "/api/v1/auth/token/": lambda: {"email": _email(role), "password": PASSWORD},
        "/api/v1/auth/token/refresh/": lambda: {"refresh": _refresh_token(role)},
        "/api/v1/auth/token/blacklist/": lambda: {"refresh": _refresh_token(role)},
        "/api/v1/terminals/": lambda: {"branch_id": str(world.branch_id), "name": "Counter 2"},
        "/api/v1/items/": lambda: {
            "sku": "M-1", "name": "Pendant", "category_id": str(world.category_id), "branch_id": str(world.branch_id),
            "fineness": 750, "gross_weight": "2.000"},
        "/api/v1/items/{item_id}/": lambda: {"name": "Renamed ring"},
        "/api/v1/items/{item_id}/stock-adjustment/": lambda: {"new_quantity": 0, "note": "Lost in the count"},
        "/api/v1/categories/": lambda: {"name": "Earrings"},
        "/api/v1/gold-rates/": lambda: {"base_rate": "8100000"},
        "/api/v1/customers/": lambda: {"full_name": "Sara Ahmadi", "phone": "09127654321"},
        "/api/v1/customers/{customer_id}/": lambda: {"notes": "Prefers 18k"},
        "/api/v1/sales/": lambda: {"branch_id": str(world.branch_id), "lines": [{"item_id": str(world.chain_id)}],
                                   "payments": [{"method": "cash", "amount": "1100000"}]},
        "/api/v1/sales/quote/": lambda: {"lines": [{"item_id": str(world.ring_id)}]},
        "/api/v1/customers/{customer_id}/merge/": lambda: {"duplicate_id": str(_duplicate(role).pk)},
        "/api/v1/staff/": lambda: {"email": "new-staff@shop-a.test", "full_name": "New", "role": "cashier"},
        "/api/v1/staff/{user_id}/": lambda: {"full_name": "Renamed cashier"},
        "/api/v1/staff/{user_id}/password/": lambda: {},
        "/api/v1/sales/{sale_id}/void/": lambda: {"reason": "Entered twice"},
        "/api/v1/sales/{sale_id}/returns/": lambda: {"lines": [{"sale_line_id": str(world.sale_line_id), "quantity": 1}],
                                                     "reason": "Too small"},
        "/api/v1/repairs/": lambda: {"branch_id": str(world.branch_id), "customer_id": str(world.customer_id),
                                     "description": "Chain", "gross_weight": "5.000", "fineness": 750,
                                     "services": [{"kind": "soldering", "price": "400000"}], "promised_on": "2099-01-01"},
        "/api/v1/repairs/{ticket_id}/status/": lambda: {"to": "in_work"},
        "/api/v1/repairs/{ticket_id}/deposits/": lambda: {"method": "cash", "amount": "1000"},
        "/api/v1/repairs/{ticket_id}/metal/": lambda: {"weight": "0.100", "fineness": 750},
        "/api/v1/repairs/{ticket_id}/close/": lambda: {"to": "cancelled", "deposit": "refund", "refund_method": "cash",
                                                       "note": "Changed their mind"},
        "/api/v1/repairs/{ticket_id}/collect/": lambda: {"payments": [{"method": "cash", "amount": _due(world)}]},
        "/api/v1/repair-prices/": lambda: {"kind": "sizing", "price": "1000"},
        "/api/v1/craftsmen/": lambda: {"name": "Ali the goldsmith"},
    }
    if method == "DELETE":
        return None
    return bodies.get(path, lambda: None)()


def _duplicate(role: str):
    """The role's duplicate of the world's customer, made once (a body is asked for more than once)."""
    from apps.customers.models import Customer
    from apps.customers.services import customer_create

    phone = f"0912999000{ROLES.index(role)}"
    existing = Customer.objects.filter(phone=f"+98{phone[1:]}").first()
    return existing or customer_create(full_name="Ali Rezaei (twice)", phone=phone)


def _due(world) -> str:
    """What pickup of the world's ready ring asks now ("1" where the ring is another shop's)."""
    from apps.workshop.models import RepairTicket
    from apps.workshop.services import repair_ticket_quote

    ticket = RepairTicket.objects.filter(pk=world.ticket_id).first()
    return str(repair_ticket_quote(ticket=ticket).due) if ticket else "1"


def url_for(path: str, world) -> str:
    return path.format(terminal_id=world.terminal_id, item_id=world.ring_id, customer_id=world.customer_id, sale_id=world.sale_id,
                       user_id=world.staff_id, ticket_id=world.ticket_id)


@pytest.mark.parametrize("method, path, expected", ROWS, ids=[f"{m} {p}" for m, p, _ in ROWS])
def test_each_role_gets_the_status_of_the_matrix(world, shop_a, method, path, expected):
    actual = {}
    for role in ROLES:
        client = staff_client("a", None if role == "anonymous" else role)
        body = body_for(method, path, role, world)
        with transaction.atomic():
            savepoint = transaction.savepoint()
            response = getattr(client, method.lower())(url_for(path, world), body, format="json")
            transaction.savepoint_rollback(savepoint)
        actual[role] = response.status_code
        if response.status_code >= 400:
            code = response.json()["error"]["code"]
            expected_code = {401: "not_authenticated", 403: "permission_denied"}.get(response.status_code)
            assert code == expected_code, (role, response.status_code, response.json())
        connection.set_tenant(shop_a)
    assert actual == expected


def test_the_matrix_names_every_operation_of_the_schema(world):
    schema = staff_client("a", "owner").get("/api/schema/", {"format": "json"}).json()
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items() if path.startswith("/api/v1/")
        for method in operations if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == {(method, path) for method, path, _ in ROWS}
