"""The terminals API (apps/pos_sync/terminal_apis.py)."""
import pytest
from django.db import connection

from apps.pos_sync.models import EnrollmentCode
from tests.helpers import main_branch_id


def test_manager_creates_terminal_with_one_time_code(manager_a, shop_a):
    response = manager_a.post("/api/v1/terminals/", {"branch_id": main_branch_id(manager_a), "name": "Counter 2"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "enrollment_code", "expires_at"}
    assert len(body["enrollment_code"]) >= 8
    connection.set_tenant(shop_a)
    # Only the hash is stored.
    assert not EnrollmentCode.objects.filter(code_hash=body["enrollment_code"]).exists()

    fresh = manager_a.post(f"/api/v1/terminals/{body['id']}/enrollment-code/", format="json")
    assert fresh.status_code == 201
    assert fresh.json()["enrollment_code"] != body["enrollment_code"]


def test_cashier_may_not_manage_terminals(cashier_a):
    response = cashier_a.post("/api/v1/terminals/", {"branch_id": main_branch_id(cashier_a), "name": "Sneaky"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("body, field", [({"name": "X"}, "branch_id"), ({"branch_id": "not-a-uuid", "name": "X"}, "branch_id"),
                                         ({"branch_id": "00000000-0000-0000-0000-000000000000", "name": "X"}, "branch_id")])
def test_bad_terminal_input_is_400_with_field(manager_a, body, field):
    response = manager_a.post("/api/v1/terminals/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in {d["field"] for d in error["details"]}


def test_duplicate_terminal_name_is_409(manager_a):
    branch = main_branch_id(manager_a)
    assert manager_a.post("/api/v1/terminals/", {"branch_id": branch, "name": "Counter 9"}, format="json").status_code == 201
    again = manager_a.post("/api/v1/terminals/", {"branch_id": branch, "name": "counter 9"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "terminal_exists"


def test_terminal_of_shop_b_is_404_on_shop_a(owner_a, owner_b):
    created = owner_b.post("/api/v1/terminals/", {"branch_id": main_branch_id(owner_b), "name": "B counter"}, format="json").json()
    response = owner_a.post(f"/api/v1/terminals/{created['id']}/enrollment-code/", format="json")
    assert response.status_code == 404
    assert "enrollment_code" not in response.json()
