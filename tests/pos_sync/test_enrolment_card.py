"""The enrolment-code page gives the terminal everything it needs: the
shop's server address (its primary domain; https where the site is served
over https) and a QR code of {"server", "code"} (docs/sync-protocol.md)."""
import json

from django.test import override_settings

from apps.branches.models import Branch
from apps.branches.services import terminal_create
from apps.pos_sync.enrolment_card import enrolment_payload
from apps.pos_sync.services import device_enroll
from apps.tenancy.models import Domain
from apps.ui.qr import qr_svg
from tests.helpers import text


_NUMBERS = iter(range(1, 1000))


def _issue(client, shop, **extra):
    terminal = terminal_create(branch=Branch.objects.get(name="Bazaar"), name=f"Till QR {next(_NUMBERS)}")
    page = text(client.post(f"/terminals/{terminal.pk}/code/", **extra))
    code = page.split('id="enrolment-code">')[1].split("<")[0]
    server = page.split('id="server-address">')[1].split("<")[0]
    svg = page.split('id="enrolment-qr">')[1].split("</svg>")[0] + "</svg>"
    return page, code, server, svg


def test_the_page_shows_the_primary_address_and_a_qr_of_address_and_code(as_manager, shop):
    Domain.objects.create(domain="till-alias.shop-a.localhost", tenant=shop, is_primary=False)
    page, code, server, svg = _issue(as_manager, shop, HTTP_HOST="till-alias.shop-a.localhost")
    assert server == "http://shop-a.localhost"  # the primary domain, not the alias the manager used
    payload = enrolment_payload(server=server, code=code)
    assert json.loads(payload) == {"server": "http://shop-a.localhost", "code": code}
    # segno encodes deterministically: the page's QR is exactly this payload's (no QR decoder is installed)
    assert svg == str(qr_svg(payload, label="QR code of the server address and the enrolment code"))
    assert svg.startswith("<svg") and 'class="qr"' in svg
    assert device_enroll(code=code, name="tablet").device.terminal.name.startswith("Till QR")  # the code in the QR works


def test_https_where_the_site_is_served_over_https(as_manager, shop):
    _, _, server, _ = _issue(as_manager, shop, secure=True)
    assert server == "https://shop-a.localhost"
    with override_settings(SECURE_SSL_REDIRECT=True):  # production: every request ends on https
        _, _, server, _ = _issue(as_manager, shop, SERVER_PORT="8000")
    assert server == "https://shop-a.localhost"


def test_a_development_port_is_kept(as_manager, shop):
    _, _, server, _ = _issue(as_manager, shop, SERVER_PORT="8612", HTTP_HOST="shop-a.localhost:8612")
    assert server == "http://shop-a.localhost:8612"


def test_the_page_in_persian(as_manager, manager, shop):
    manager.language = "fa"
    manager.save(update_fields=["language"])
    page, code, server, _ = _issue(as_manager, shop)
    assert "نشانی سرور" in page and server == "http://shop-a.localhost" and code.isalnum()
