import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.branches.models import Branch
from apps.branches.services import terminal_create
from apps.pos_sync.services import device_enroll, enrollment_code_issue
from tests.conftest import SHOPS


def enrol_device(shop, name="Counter 1", branch_name="Main"):
    """A terminal and its enrolled device in `shop`, through the services."""
    connection.set_tenant(shop)
    branch = Branch.objects.get(name=branch_name)
    terminal = terminal_create(branch=branch, name=name)
    issued = enrollment_code_issue(terminal=terminal)
    return device_enroll(code=issued.code, name=name)


def pos_client(shop_key: str, token: str | None = None) -> APIClient:
    client = APIClient(HTTP_HOST=SHOPS[shop_key]["domain"])
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client


@pytest.fixture
def device_a(shop_a):
    return enrol_device(shop_a)
