"""The browser terminal's page, service worker and manifest
(apps/pos_sync/terminal_app.py): served to a browser that has no staff
session (the device token is its credential), with no shop data in them,
under the pages' CSP; the worker precaches the scripts the page loads."""
import json
import re

import pytest


@pytest.fixture
def page_html(client_a):
    response = client_a.get("/pos/terminal/")
    assert response.status_code == 200
    return response


def test_the_page_opens_without_a_staff_session_and_carries_no_shop_data(make_item, client_a):
    item = make_item(sku="SECRET-SKU-1", name="Hidden ring")
    page_html = client_a.get("/pos/terminal/")
    html = page_html.content.decode()
    assert "enrol-form" in html and "signin-form" in html
    assert page_html["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in page_html["Content-Security-Policy"]
    # The script's strings ride in a JSON block (not executed, so the CSP allows it); the rest is static.
    strings = json.loads(re.search(r'<script id="terminal-strings" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert {"offline", "all_synced", "invoice_pending", "revoked"} <= set(strings)
    assert item.sku not in html and item.name not in html  # the catalogue comes only through the device's pull


def test_the_service_worker_is_served_from_the_pages_path_and_precaches_its_scripts(client_a, page_html):
    response = client_a.get("/pos/terminal/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    worker = response.content.decode()
    html = page_html.content.decode()
    for script in re.findall(r'src="(/static/[^"]+\.js)"', html):
        assert script in worker, f"{script} is loaded by the page but not precached"
    for module in ("/static/ui/terminal/pricing.js", "/static/ui/terminal/store.js", "/static/ui/terminal/sync.js",
                   "/static/vendor/decimal.mjs", "/static/vendor/idb.js"):
        assert module in worker


def test_the_manifest_makes_the_counter_installable(client_a, shop_a):
    response = client_a.get("/pos/terminal/manifest.webmanifest")
    assert response.status_code == 200
    manifest = response.json()
    assert manifest["start_url"] == manifest["scope"] == "/pos/terminal/"
    assert manifest["display"] == "standalone"
    assert shop_a.name in manifest["name"]


def test_the_page_refuses_what_is_not_a_get(client_a):
    assert client_a.post("/pos/terminal/").status_code in (403, 405)
    assert client_a.post("/pos/terminal/sw.js").status_code in (403, 405)


def test_a_pull_tells_the_terminal_when_its_gold_rate_is_stale(shop_a):
    from apps.pos_sync.pull import tax_rule

    shop_a.gold_rate_max_age_hours = 6
    assert tax_rule(shop_a)["gold_rate_max_age_hours"] == 6
