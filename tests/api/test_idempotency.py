import uuid

from django.db import connection

from apps.branches.models import Terminal
from apps.core.models import IdempotencyKey
from tests.conftest import run_committed
from tests.helpers import api_client, at_once, main_branch_id


def test_same_key_same_body_replays_the_first_response(manager_a, shop_a):
    body = {"branch_id": main_branch_id(manager_a), "name": "Idem 1"}
    first = manager_a.post("/api/v1/terminals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = manager_a.post("/api/v1/terminals/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    connection.set_tenant(shop_a)
    assert Terminal.objects.filter(name="Idem 1").count() == 1


def test_same_key_other_body_is_422(manager_a):
    branch = main_branch_id(manager_a)
    manager_a.post("/api/v1/terminals/", {"branch_id": branch, "name": "Idem 2"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = manager_a.post("/api/v1/terminals/", {"branch_id": branch, "name": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_mismatch"


def test_keys_are_per_user(manager_a, owner_a):
    branch = main_branch_id(manager_a)
    a = manager_a.post("/api/v1/terminals/", {"branch_id": branch, "name": "Idem 3"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    b = owner_a.post("/api/v1/terminals/", {"branch_id": branch, "name": "Idem 4"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_concurrent_requests_with_one_key_create_one_terminal(shop_a, django_db_blocker):
    """Eight threads, each on its own connection, fire the same keyed POST at
    once: one creates, the others get 409 (still running) or the replay."""
    name = f"Race {uuid.uuid4().hex[:6]}"
    key = str(uuid.uuid4())
    with django_db_blocker.unblock():
        client = run_committed(api_client, "a", "manager@shop-a.test")
        branch = run_committed(main_branch_id, client)

        def fire():
            response = client.post("/api/v1/terminals/", {"branch_id": branch, "name": name}, format="json", HTTP_IDEMPOTENCY_KEY=key)
            return response.status_code, response.json()

        results = at_once(fire, times=8)

        def count_and_clean():
            connection.set_tenant(shop_a)
            terminals = Terminal.objects.filter(name=name)
            found = terminals.count()
            for terminal in terminals:
                terminal.enrollment_codes.all().delete()
                terminal.delete()
            IdempotencyKey.objects.filter(key=key).delete()
            return found

        assert run_committed(count_and_clean) == 1
    statuses = sorted(code for code, _ in results)
    assert len(results) == 8
    assert set(statuses) <= {201, 409}
    created_ids = {body["id"] for code, body in results if code == 201}
    assert len(created_ids) == 1  # every 201 is the same terminal (the replay)
    assert all(body["error"]["code"] == "idempotency_in_progress" for code, body in results if code == 409)
