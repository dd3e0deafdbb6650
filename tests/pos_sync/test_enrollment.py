from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.branches.models import Branch
from apps.branches.services import terminal_create
from apps.pos_sync.models import Device, EnrollmentCode
from apps.pos_sync.services import enrollment_code_issue
from tests.helpers import api_client
from tests.pos_sync.conftest import pos_client


def test_enrolment_with_code_from_the_staff_api(shop_a):
    manager = api_client("a", "manager@shop-a.test")
    branch = next(b for b in manager.get("/api/v1/branches/").json()["results"] if b["name"] == "Main")
    code = manager.post("/api/v1/terminals/", {"branch_id": branch["id"], "name": "Counter 2"}, format="json").json()

    body = {"enrollment_code": code["enrollment_code"], "name": "Counter 2", "fingerprint": "fp-1", "app_version": "1.4.0"}
    response = pos_client("a").post("/api/pos/v1/devices/enroll", body, format="json")
    assert response.status_code == 201, response.content
    enrolled = response.json()
    assert set(enrolled) == {"device_id", "token", "receipt_prefix", "branch", "server_time"}
    assert len(enrolled["token"]) >= 43  # 32 random bytes, base64
    assert enrolled["receipt_prefix"] == "B1T1"
    assert enrolled["branch"]["name"] == "Main"
    connection.set_tenant(shop_a)
    device = Device.objects.get(pk=enrolled["device_id"])
    assert enrolled["token"] not in device.token_hash  # only the hash is stored

    # Single use.
    again = pos_client("a").post("/api/pos/v1/devices/enroll", body, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "enrollment_code_invalid"


def test_unknown_and_expired_codes_are_refused(shop_a):
    connection.set_tenant(shop_a)
    terminal = terminal_create(branch=Branch.objects.get(name="Main"), name="Old")
    issued = enrollment_code_issue(terminal=terminal)
    EnrollmentCode.objects.filter(terminal=terminal).update(expires_at=timezone.now() - timedelta(seconds=1))
    for code in (issued.code, "NOSUCHCODE"):
        response = pos_client("a").post("/api/pos/v1/devices/enroll", {"enrollment_code": code, "name": "x"}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "enrollment_code_invalid"
    assert not Device.objects.filter(terminal=terminal).exists()


def test_code_valid_fifteen_minutes(shop_a):
    connection.set_tenant(shop_a)
    terminal = terminal_create(branch=Branch.objects.get(name="Main"), name="Ttl")
    before = timezone.now()
    issued = enrollment_code_issue(terminal=terminal)
    after = timezone.now()
    assert before + timedelta(minutes=15) <= issued.expires_at <= after + timedelta(minutes=15)


def test_status_handshake(device_a):
    client = pos_client("a", device_a.token)
    before = timezone.now()
    device_time = before - timedelta(seconds=30)
    response = client.get("/api/pos/v1/sync/status", HTTP_X_DEVICE_TIME=device_time.isoformat())
    after = timezone.now()
    assert response.status_code == 200
    body = response.json()
    assert body["device_id"] == str(device_a.device.id)
    assert body["last_applied_seq"] == 0
    assert body["protocol_version"] == 1
    assert body["limits"] == {"max_operations_per_push": 200, "max_body_bytes": 1048576, "max_offline_hours": 72}
    server_time = parse_datetime(body["server_time"])
    assert server_time.tzinfo is not None and before <= server_time <= after
    # The device's clock against the server's, to a tenth of a second.
    assert body["clock_skew_seconds"] == pytest.approx((device_time - server_time).total_seconds(), abs=0.05)
    assert body["pull_cursor_hint"]


def test_token_of_shop_a_is_401_on_shop_b(device_a, shop_b):
    response = pos_client("b", device_a.token).get("/api/pos/v1/sync/status")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_device_token"


def test_revoked_device_is_401_device_revoked(device_a):
    manager = api_client("a", "manager@shop-a.test")
    terminal_id = device_a.device.terminal_id
    assert manager.post(f"/api/v1/terminals/{terminal_id}/revoke/").json()["revoked_devices"] == 1
    response = pos_client("a", device_a.token).get("/api/pos/v1/sync/status")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "device_revoked"


def test_missing_or_malformed_device_auth_is_401(shop_a):
    assert pos_client("a").get("/api/pos/v1/sync/status").status_code == 401
    response = pos_client("a", "not-a-real-token").get("/api/pos/v1/sync/status")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Device"
