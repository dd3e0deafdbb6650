"""One error body everywhere ({"error": {"code", "message", "details"}}),
JSON under /api/ on every host, and `503 temporarily_unavailable` with
`Retry-After` on every endpoint when PostgreSQL cannot be reached. The
"down" cases run the application in a fresh process pointed at a port where
nothing listens (as tests/core/test_health.py does); the outage of a real
server under load is tests/core/test_database_outage.py."""
import json
import subprocess
import sys
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver

from apps.core import views as core_views
from tests.conftest import child_env


def assert_error_body(response, code: str) -> dict:
    """The one error format, byte for byte as DRF renders it."""
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"] and isinstance(body["error"]["details"], list)
    assert response.content == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return body


@pytest.mark.parametrize("host", ["shop-a.localhost", "localhost", "no-such-shop.localhost", "not-allowed.example"])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/pos/v1/nothing", "/api/v1/items/not-a-uuid/", "/api/"])
def test_unknown_api_paths_are_json_404_on_every_host(db, host, path):
    assert_error_body(Client(HTTP_HOST=host).get(path), "not_found")


def test_an_api_object_that_does_not_exist_is_the_same_404(owner_a):
    response = owner_a.get(f"/api/v1/items/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"


def test_a_suspended_shop_answers_the_same_body(shop_a):
    shop_a.status = shop_a.Status.SUSPENDED
    shop_a.save()
    response = Client(HTTP_HOST="shop-a.localhost").get("/api/v1/items/")
    assert response.status_code == 403
    assert_error_body(response, "shop_suspended")


def test_pages_keep_html_404(db):
    response = Client(HTTP_HOST="shop-a.localhost").get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("urlconf", ["config.urls_tenant", "config.urls_public"])
def test_every_url_conf_uses_the_shared_error_handlers(urlconf):
    resolver = get_resolver(urlconf)
    assert resolver.resolve_error_handler(400) is core_views.json_or_html_400
    assert resolver.resolve_error_handler(403) is core_views.json_or_html_403
    assert resolver.resolve_error_handler(404) is core_views.json_or_html_404
    assert resolver.resolve_error_handler(500) is core_views.json_or_html_500


# Requests of every kind, answered by an application whose database is
# unreachable: the POS API with a device token, the staff API with a JWT,
# pages (Persian asked for by the browser), the admin, the login form, the
# platform host.
DOWN_PROBE = """
import django, json
django.setup()
from django.test import Client
shop = Client(HTTP_HOST="shop-a.localhost", raise_request_exception=False)
public = Client(HTTP_HOST="localhost", raise_request_exception=False)
calls = [
    ("pos push", shop.post("/api/pos/v1/sync/push", b'{"operations": []}', content_type="application/json",
                           HTTP_AUTHORIZATION="Device not-checked-before-the-database")),
    ("pos status", shop.get("/api/pos/v1/sync/status", HTTP_AUTHORIZATION="Device x")),
    ("staff api", shop.get("/api/v1/items/", HTTP_AUTHORIZATION="Bearer x")),
    ("token", shop.post("/api/v1/auth/token/", {"email": "owner@shop-a.test", "password": "x"}, content_type="application/json")),
    ("public api", public.get("/api/v1/items/")),
    ("dashboard", shop.get("/", HTTP_ACCEPT_LANGUAGE="fa")),
    ("customers", shop.get("/customers/", HTTP_COOKIE="sessionid=abc")),
    ("login", shop.post("/accounts/login/", {"username": "a@b.c", "password": "x"})),
    ("admin", shop.get("/admin/")),
    ("platform admin", public.get("/admin/")),
    ("landing", public.get("/")),
]
print(json.dumps([{"name": n, "status": r.status_code, "type": r["Content-Type"], "retry_after": r.get("Retry-After"),
                   "body": r.content.decode()} for n, r in calls]))
"""


@pytest.fixture(scope="module")
def answers_with_the_database_down():
    env = child_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/zargar", DB_CONN_MAX_AGE="60")
    done = subprocess.run([sys.executable, "-c", DOWN_PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return {answer["name"]: answer for answer in json.loads(done.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize("name", ["pos push", "pos status", "staff api", "token", "public api"])
def test_the_api_answers_503_temporarily_unavailable(answers_with_the_database_down, name):
    answer = answers_with_the_database_down[name]
    assert answer["status"] == 503, answer
    assert answer["type"] == "application/json" and int(answer["retry_after"]) > 0
    body = json.loads(answer["body"])
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "temporarily_unavailable"


@pytest.mark.parametrize("name", ["dashboard", "customers", "login", "admin", "platform admin", "landing"])
def test_pages_answer_a_readable_503_page(answers_with_the_database_down, name):
    answer = answers_with_the_database_down[name]
    assert answer["status"] == 503, answer
    assert answer["type"].startswith("text/html") and int(answer["retry_after"]) > 0
    assert "<h1>" in answer["body"] and "error code: temporarily_unavailable" in answer["body"]


def test_the_503_page_speaks_the_browsers_language(answers_with_the_database_down):
    page = answers_with_the_database_down["dashboard"]["body"]
    assert '<html lang="fa" dir="rtl">' in page
    assert "موقتاً در دسترس نیست" in page  # "Temporarily unavailable"
