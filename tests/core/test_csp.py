"""The Content-Security-Policy header (apps.core.csp) over Django's test
client; tests/browser/test_csp.py shows Chromium enforcing it."""
import pytest
from django.test import Client, override_settings

HEADER = "Content-Security-Policy"
STRICT = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "object-src": "'none'", "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
}


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_the_default_policy_is_strict(settings):
    assert directives(settings.CONTENT_SECURITY_POLICY) == STRICT


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/pos/", "/admin/login/", "/api/docs/", "/no-such-page/"])
def test_every_html_page_carries_it(as_manager, settings, path):
    response = as_manager.get(path)
    assert response["Content-Type"].startswith("text/html")
    assert response[HEADER] == settings.CONTENT_SECURITY_POLICY


def test_the_platform_site_carries_it(operator_client, settings):
    for path in ["/", "/admin/"]:
        assert operator_client.get(path)[HEADER] == settings.CONTENT_SECURITY_POLICY


def test_the_api_docs_script_is_a_file_of_its_own(as_manager):
    """Swagger UI starts from ?script (a script from 'self'), not an inline one."""
    page = as_manager.get("/api/docs/").content.decode()
    assert 'src="/api/docs/?script="' in page and "<style>" not in page
    script = as_manager.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


def test_other_responses_do_not_need_it(as_manager):
    """JSON, CSV and PDF are not run by a browser as pages."""
    assert HEADER not in as_manager.get("/api/v1/items/")
    assert HEADER not in as_manager.get("/reports/low-stock/", {"format": "csv"})


def test_a_deployment_can_set_its_own(shop_a):
    with override_settings(CONTENT_SECURITY_POLICY="default-src 'self' https://cdn.example"):
        assert Client(HTTP_HOST="shop-a.localhost").get("/accounts/login/")[HEADER] == "default-src 'self' https://cdn.example"
    with override_settings(CONTENT_SECURITY_POLICY=""):
        assert HEADER not in Client(HTTP_HOST="shop-a.localhost").get("/accounts/login/")
