"""The terminal pages (apps/pos_sync/views.py): create a terminal, show its
enrolment code once, revoke the device enrolled on it."""
import pytest

from apps.branches.models import Branch, Terminal
from apps.branches.services import terminal_create
from apps.pos_sync.models import Device, EnrollmentCode
from apps.pos_sync.services import device_enroll, secret_hash
from tests.helpers import text


def test_terminals_are_created_enrolled_with_the_shown_code_and_revoked(as_manager, shop):
    bazaar = Branch.objects.get(name="Bazaar")
    response = as_manager.post("/terminals/", {"branch": str(bazaar.pk), "name": "Till 1"})
    assert response.status_code == 302
    terminal = Terminal.objects.get(name="Till 1")
    page = as_manager.post(f"/terminals/{terminal.pk}/code/")
    assert page["Cache-Control"] == "no-store"
    code = page.content.decode().split('id="enrolment-code">')[1].split("<")[0]
    assert EnrollmentCode.objects.filter(terminal=terminal, code_hash=secret_hash(code)).exists()
    device = device_enroll(code=code, name="Till 1 tablet").device
    assert "Till 1 tablet" in text(as_manager.get("/terminals/"))
    as_manager.post(f"/terminals/{terminal.pk}/revoke/")
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert Device.objects.filter(terminal=terminal, revoked_at__isnull=True).count() == 0


def test_a_duplicate_terminal_name_is_refused_on_the_form(as_manager, shop):
    bazaar = Branch.objects.get(name="Bazaar")
    as_manager.post("/terminals/", {"branch": str(bazaar.pk), "name": "Till 1"})
    again = as_manager.post("/terminals/", {"branch": str(bazaar.pk), "name": "till 1"})
    assert again.status_code == 200 and "already has a terminal" in text(again)





def test_the_list_shows_each_terminal_with_its_number_and_receipt_prefix(as_manager, shop):
    bazaar = Branch.objects.get(name="Bazaar")
    first, second = terminal_create(branch=bazaar, name="Till A"), terminal_create(branch=bazaar, name="Till B")
    page = text(as_manager.get("/terminals/"))
    assert "Till A" in page and "Till B" in page
    assert first.receipt_prefix in page and second.receipt_prefix in page and first.receipt_prefix != second.receipt_prefix


@pytest.mark.parametrize("method, path", [("get", "/terminals/"), ("post", "/terminals/"), ("post", "/terminals/{id}/code/"),
                                          ("post", "/terminals/{id}/revoke/")])
def test_terminal_pages_are_for_managers_and_owners(as_cashier, shop, method, path):
    terminal = terminal_create(branch=Branch.objects.get(name="Bazaar"), name="Till C")
    response = getattr(as_cashier, method)(path.format(id=terminal.pk), {"branch": str(terminal.branch_id), "name": "Sneaky"})
    assert response.status_code == 403
    assert not Terminal.objects.filter(name="Sneaky").exists()
    assert not EnrollmentCode.objects.filter(terminal=terminal).exists()
