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
