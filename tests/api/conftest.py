import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, SHOPS


def api_client(shop_key: str, email: str | None = None) -> APIClient:
    """An API client on a shop's host, logged in with a real JWT when email is given."""
    client = APIClient(HTTP_HOST=SHOPS[shop_key]["domain"])
    if email:
        response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


@pytest.fixture
def owner_a(shop_a):
    return api_client("a", SHOPS["a"]["owner"])


@pytest.fixture
def manager_a(shop_a):
    return api_client("a", "manager@shop-a.test")


@pytest.fixture
def cashier_a(shop_a):
    return api_client("a", "cashier@shop-a.test")


@pytest.fixture
def owner_b(shop_b):
    return api_client("b", SHOPS["b"]["owner"])


# --------------------------------------------------------------------------
# Data for the resource tests (tests/api/world.py), and clients whose real
# JWTs are obtained once per session: a token needs no database row to be
# accepted, so reusing it keeps hundreds of tests from hashing passwords.
# --------------------------------------------------------------------------
ROLES = ("owner", "manager", "cashier")
_TOKENS: dict[tuple[str, str], tuple[float, str]] = {}
TOKEN_REUSE_SECONDS = 600  # well inside the 15-minute access lifetime


def staff_client(shop_key: str, role: str | None) -> APIClient:
    """An API client on the shop's host signed in as the shop's `role`
    (None: anonymous)."""
    import time

    client = APIClient(HTTP_HOST=SHOPS[shop_key]["domain"])
    if role is None:
        return client
    email = f"{role}@shop-{shop_key}.test"
    issued = _TOKENS.get((shop_key, email))
    if issued is None or time.monotonic() - issued[0] > TOKEN_REUSE_SECONDS:
        response = client.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        issued = _TOKENS[(shop_key, email)] = (time.monotonic(), response.json()["access"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued[1]}")
    return client


@pytest.fixture
def world(shop_a):
    from tests.api.world import build_world

    return build_world("a")


@pytest.fixture
def world_b(shop_b):
    from tests.api.world import build_world

    return build_world("b")
