"""The shop admin writes branches and terminals through the services: the
terminal's number and the branch's code are theirs, and so are refusals,
which come back as form errors."""
import pytest
from django.db.models import Max

from apps.branches.models import Branch, Terminal
from apps.branches.services import terminal_create
from tests.conftest import PASSWORD, SHOPS


@pytest.fixture
def bazaar(in_shop_a) -> Branch:
    return Branch.objects.get(name=SHOPS["a"]["branch"])


def next_number(branch) -> int:
    return (Terminal.objects.filter(branch=branch).aggregate(n=Max("number"))["n"] or 0) + 1


def test_adding_a_terminal_in_the_admin_gives_it_the_next_number(admin_client, bazaar):
    expected = next_number(bazaar)
    page = admin_client.get("/admin/branches/terminal/add/")
    assert page.status_code == 200
    assert 'name="number"' not in page.content.decode()

    response = admin_client.post("/admin/branches/terminal/add/", {"branch": bazaar.pk, "name": "Front counter"})
    assert response.status_code == 302, response.content.decode()[:2000]
    terminal = Terminal.objects.get(branch=bazaar, name="Front counter")
    assert terminal.number == expected
    assert terminal.receipt_prefix == f"{bazaar.code}T{expected}"

    admin_client.post("/admin/branches/terminal/add/", {"branch": bazaar.pk, "name": "Back counter"})
    assert Terminal.objects.get(branch=bazaar, name="Back counter").number == expected + 1


def test_a_terminal_name_taken_at_the_branch_is_a_form_error(admin_client, bazaar):
    terminal_create(branch=bazaar, name="Till")
    before = Terminal.objects.count()
    response = admin_client.post("/admin/branches/terminal/add/", {"branch": bazaar.pk, "name": "TILL"})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Terminal.objects.count() == before


def test_a_terminal_is_renamed_and_taken_out_of_service_but_stays_at_its_branch(admin_client, bazaar):
    terminal = terminal_create(branch=bazaar, name="Till")
    number = terminal.number
    other = Branch.objects.exclude(pk=bazaar.pk).first()
    response = admin_client.post(f"/admin/branches/terminal/{terminal.pk}/change/",
                                 {"name": "Till 2", "branch": other.pk if other else "", "number": 99})
    assert response.status_code == 302, response.content.decode()[:2000]
    terminal.refresh_from_db()
    assert (terminal.name, terminal.branch_id, terminal.number, terminal.is_active) == ("Till 2", bazaar.pk, number, False)


def test_adding_a_branch_takes_the_services_code(admin_client, in_shop_a):
    response = admin_client.post("/admin/branches/branch/add/", {"name": "Harbour", "address": "Pier 3"})
    assert response.status_code == 302, response.content.decode()[:2000]
    branch = Branch.objects.get(name="Harbour")
    assert branch.code.startswith("B") and branch.code not in {b.code for b in Branch.objects.exclude(pk=branch.pk)}


def test_closing_a_branch_goes_through_the_service_and_its_code_stays(admin_client, bazaar):
    code = bazaar.code
    response = admin_client.post(f"/admin/branches/branch/{bazaar.pk}/change/",
                                 {"name": "Grand Bazaar", "address": "", "code": "ZZ"})
    assert response.status_code == 302, response.content.decode()[:2000]
    bazaar.refresh_from_db()
    assert (bazaar.name, bazaar.code, bazaar.is_active) == ("Grand Bazaar", code, False)


def test_branches_and_terminals_are_never_deleted_in_the_admin(admin_client, bazaar):
    terminal = terminal_create(branch=bazaar, name="Till")
    assert admin_client.get(f"/admin/branches/branch/{bazaar.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/branches/terminal/{terminal.pk}/delete/").status_code == 403


def test_owners_only_look_in_the_admin(client_a, in_shop_a):
    """Roles get view permissions only (accounts.roles): owners manage
    terminals in the staff pages, through the same service."""
    client_a.post("/admin/login/", {"username": SHOPS["a"]["owner"], "password": PASSWORD})
    assert client_a.get("/admin/branches/terminal/").status_code == 200
    assert client_a.get("/admin/branches/terminal/add/").status_code == 403


def test_the_pages_show_what_the_services_own_as_read_only(admin_client, bazaar):
    terminal = terminal_create(branch=bazaar, name="Till")
    branch_page = admin_client.get(f"/admin/branches/branch/{bazaar.pk}/change/").content.decode()
    assert 'name="name"' in branch_page and 'name="code"' not in branch_page and bazaar.code in branch_page
    assert 'name="code"' not in admin_client.get("/admin/branches/branch/add/").content.decode()
    terminal_page = admin_client.get(f"/admin/branches/terminal/{terminal.pk}/change/").content.decode()
    assert 'name="name"' in terminal_page and 'name="branch"' not in terminal_page and 'name="number"' not in terminal_page
