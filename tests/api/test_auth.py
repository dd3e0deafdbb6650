from rest_framework.test import APIClient

from tests.conftest import PASSWORD, SHOPS


def obtain(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def test_token_obtain_refresh_blacklist_cycle(shop_a):
    client = APIClient(HTTP_HOST=SHOPS["a"]["domain"])
    tokens = obtain(client, SHOPS["a"]["owner"]).json()
    assert set(tokens) == {"access", "refresh"}

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/v1/branches/").status_code == 200

    rotated = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    # Rotation blacklists the old refresh token.
    again = client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "token_not_valid"

    new_refresh = rotated.json()["refresh"]
    assert client.post("/api/v1/auth/token/blacklist/", {"refresh": new_refresh}, format="json").status_code == 200
    assert client.post("/api/v1/auth/token/refresh/", {"refresh": new_refresh}, format="json").status_code == 401


def test_wrong_password_is_401_with_error_shape(shop_a):
    response = obtain(APIClient(HTTP_HOST=SHOPS["a"]["domain"]), SHOPS["a"]["owner"], "wrong-password")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "no_active_account"


def test_repeated_failures_lock_the_token_api_even_for_the_right_password(shop_a, settings):
    client = APIClient(HTTP_HOST=SHOPS["a"]["domain"])
    owner = SHOPS["a"]["owner"]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(client, owner, "wrong-password").status_code == 401
    locked = obtain(client, owner, "wrong-password")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "account_locked"
    again = obtain(client, owner)
    assert again.status_code == 429 and "access" not in again.json()


def test_token_of_shop_a_is_401_on_shop_b(shop_a, shop_b):
    client_a = APIClient(HTTP_HOST=SHOPS["a"]["domain"])
    tokens = obtain(client_a, SHOPS["a"]["owner"]).json()

    client_b = APIClient(HTTP_HOST=SHOPS["b"]["domain"])
    client_b.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = client_b.get("/api/v1/branches/")
    assert response.status_code == 401
    assert "Airport" not in response.content.decode()
    refresh = client_b.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_no_token_is_401(shop_a):
    response = APIClient(HTTP_HOST=SHOPS["a"]["domain"]).get("/api/v1/branches/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
