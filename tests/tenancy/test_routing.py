from django.test import Client

from apps.tenancy.services import shop_reactivate, shop_suspend


def test_unknown_host_is_a_plain_404_page(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Traceback" not in response.content


def test_unknown_host_under_api_is_json_404(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/api/v1/branches/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_public_host_serves_landing_page(db):
    response = Client(HTTP_HOST="localhost").get("/")
    assert response.status_code == 200
    assert b"Zargar" in response.content


def test_shop_host_routes_to_the_shop_site(client_a):
    response = client_a.get("/")
    assert response.status_code == 302  # the shop's staff pages need a login
    assert "/login" in response["Location"]


def test_template_schema_is_never_served(db):
    from apps.tenancy.models import Domain, Tenant

    template = Tenant.objects.get(is_template=True)
    Domain.objects.create(domain="template.localhost", tenant=template, is_primary=False)
    assert Client(HTTP_HOST="template.localhost").get("/admin/login/").status_code == 404


def test_suspended_shop_gets_403_and_none_of_its_data(shop_a, client_a):
    shop_suspend(tenant=shop_a)

    api = client_a.get("/api/v1/branches/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "shop_suspended"

    page = client_a.get("/admin/login/")
    assert page.status_code == 403
    assert b"shop_suspended" in page.content
    assert b"Bazaar" not in page.content

    shop_reactivate(tenant=shop_a)
    assert client_a.get("/admin/login/").status_code == 200
