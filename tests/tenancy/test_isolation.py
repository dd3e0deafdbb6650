"""What is written in shop A is invisible from shop B: ORM, HTTP, cache."""
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from apps.branches.models import Branch
from apps.branches.services import branch_create
from tests.conftest import PASSWORD, SHOPS


def test_orm_rows_of_a_are_not_in_b(shop_a, shop_b):
    connection.set_tenant(shop_a)
    branch_create(name="Secret vault of A")
    assert Branch.objects.filter(name="Secret vault of A").exists()

    connection.set_tenant(shop_b)
    assert not Branch.objects.filter(name="Secret vault of A").exists()
    assert set(Branch.objects.values_list("name", flat=True)) == {"Main", "Airport"}


def test_a_session_from_a_is_worthless_on_b(client_a, client_b):
    login = client_a.post("/admin/login/?next=/admin/", {"username": SHOPS["a"]["owner"], "password": PASSWORD})
    assert login.status_code == 302, login.content
    assert client_a.get("/admin/").status_code == 200

    # Same cookie jar, other shop's host: B has no such session or user.
    client_b.cookies = client_a.cookies
    response = client_b.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_user_of_a_cannot_log_in_on_b(client_b):
    response = client_b.post("/admin/login/?next=/admin/", {"username": SHOPS["a"]["owner"], "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert b"correct" in response.content


def test_admin_pages_of_a_show_only_a_data(client_a):
    client_a.post("/admin/login/", {"username": SHOPS["a"]["owner"], "password": PASSWORD})
    page = client_a.get("/admin/branches/branch/")
    assert page.status_code == 200
    assert b"Bazaar" in page.content
    assert b"Airport" not in page.content


def test_cache_key_set_in_a_is_not_visible_in_b(shop_a, shop_b):
    connection.set_tenant(shop_a)
    cache.set("gold:today", "A's rate", 60)
    assert cache.get("gold:today") == "A's rate"

    connection.set_tenant(shop_b)
    assert cache.get("gold:today") is None
    cache.set("gold:today", "B's rate", 60)

    connection.set_tenant(shop_a)
    assert cache.get("gold:today") == "A's rate"

    # In Redis itself the keys carry the schema of the shop that wrote them.
    raw = redis.Redis.from_url(settings.REDIS_URL)
    keys = {k.decode() for k in raw.keys("*gold:today")}
    assert any(k.startswith(f"{shop_a.schema_name}:") for k in keys)
    assert any(k.startswith(f"{shop_b.schema_name}:") for k in keys)
    cache.delete("gold:today")
    connection.set_tenant(shop_b)
    cache.delete("gold:today")
