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


def _search_path_sets(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET search_path")]


def test_the_shop_is_found_and_served_without_a_set_when_the_connection_already_points_at_it(db):
    """Routing reads the shop in one schema-qualified query; the session's
    search_path is set only when the next shop differs from the last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.helpers import staff_client

    a, b = staff_client("a", "owner"), staff_client("b", "owner")
    names = lambda response: {row["name"] for row in response.json()["results"]}  # noqa: E731
    a.get("/api/v1/branches/")
    with CaptureQueriesContext(connection) as again:
        assert "Bazaar" in names(a.get("/api/v1/branches/"))
    assert _search_path_sets(again) == []
    assert "tenancy_domain" in again.captured_queries[0]["sql"] and len(again) == 4  # shop, user, count, rows
    with CaptureQueriesContext(connection) as switched:
        assert names(b.get("/api/v1/branches/")) == {"Main", "Airport"}
        assert "Bazaar" in names(a.get("/api/v1/branches/"))
    assert _search_path_sets(switched) == ['SET search_path = "shop_b","public"', 'SET search_path = "shop_a","public"']


def test_a_rolled_back_search_path_is_set_again(shop_a, shop_b):
    """A SET undone by a (savepoint) rollback is not trusted afterwards:
    the next statement sets it again, so it reads the shop it is meant to."""
    from django.db import connection, transaction

    from apps.branches.models import Branch

    connection.set_tenant(shop_a)
    assert Branch.objects.filter(name="Bazaar").exists()
    try:
        with transaction.atomic():
            connection.set_tenant(shop_b)
            assert not Branch.objects.filter(name="Bazaar").exists()  # the SET to B, inside the savepoint
            raise RuntimeError("undo")
    except RuntimeError:
        pass
    # The rollback took the server back to A; the connection still means B.
    assert set(Branch.objects.values_list("name", flat=True)) == {"Main", "Airport"}
    assert connection.connection.execute("SHOW search_path").fetchone()[0] == "shop_b, public"


def test_the_shop_routing_reads_is_the_orm_s_shop_field_for_field(shop_a):
    from apps.tenancy.models import Tenant
    from apps.tenancy.selectors import shop_for_host

    routed = shop_for_host("shop-a.localhost")
    kept = Tenant.objects.get(pk=shop_a.pk)
    assert [getattr(routed, f.attname) for f in Tenant._meta.concrete_fields] == \
        [getattr(kept, f.attname) for f in Tenant._meta.concrete_fields]
    assert not routed._state.adding and shop_for_host("nobody.localhost") is None
