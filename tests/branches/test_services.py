"""Branch and terminal writes (apps/branches/services.py), in shop A (whose
session setup made the Main branch, code B1, and Bazaar, code B2). Updates:
names checked like at creation; codes and numbers (in receipt numbers)
never change."""
import uuid

import pytest
from django.db import connection

from apps.branches.models import Branch, Terminal
from apps.branches.services import branch_create, branch_update, terminal_create, terminal_update
from apps.core.errors import ApplicationError
from tests.conftest import run_committed
from tests.helpers import assert_error, at_once


def test_a_branch_gets_the_next_code_and_a_trimmed_name(in_shop_a):
    assert sorted(Branch.objects.values_list("code", flat=True)) == ["B1", "B2"]
    airport = branch_create(name="  Airport  ", address="Terminal 2")
    harbour = branch_create(name="Harbour")
    assert (airport.name, airport.code, airport.address) == ("Airport", "B3", "Terminal 2")
    assert harbour.code == "B4"


def test_a_taken_code_is_skipped(in_shop_a):
    Branch.objects.create(name="Old shop", code="B4")  # made before codes were counted
    assert branch_create(name="Airport").code == "B5"


def test_branch_create_refuses_a_duplicate_name_whatever_its_case(in_shop_a):
    before = Branch.objects.count()
    error = assert_error("branch_exists", branch_create, name=" bazaar ")
    assert error.status == 409 and "bazaar" in error.message
    assert_error("invalid_branch", branch_create, name="   ")
    assert Branch.objects.count() == before


def test_terminals_are_numbered_one_by_one_in_each_branch(in_shop_a):
    bazaar, airport = Branch.objects.get(name="Bazaar"), branch_create(name="Airport")
    in_bazaar = [terminal_create(branch=bazaar, name=f"Till {n}") for n in range(1, 4)]
    in_airport = terminal_create(branch=airport, name="Till 1")  # the same name in another branch is fine

    assert [t.number for t in in_bazaar] == [1, 2, 3]
    assert in_airport.number == 1
    assert [t.receipt_prefix for t in in_bazaar] == ["B2T1", "B2T2", "B2T3"]
    assert in_airport.receipt_prefix == "B3T1"


def test_a_retired_terminal_keeps_its_number(in_shop_a):
    bazaar = Branch.objects.get(name="Bazaar")
    first = terminal_create(branch=bazaar, name="Till 1")
    second = terminal_create(branch=bazaar, name="Till 2")
    second.is_active = False
    second.save(update_fields=["is_active"])
    assert terminal_create(branch=bazaar, name="Till 3").number == 3
    assert (first.number, second.number) == (1, 2)


def test_terminal_create_refuses_a_duplicate_name_in_its_branch(in_shop_a):
    bazaar = Branch.objects.get(name="Bazaar")
    terminal_create(branch=bazaar, name="Counter")
    error = assert_error("terminal_exists", terminal_create, branch=bazaar, name=" COUNTER ")
    assert error.status == 409
    assert_error("invalid_terminal", terminal_create, branch=bazaar, name=" ")
    assert list(Terminal.objects.filter(branch=bazaar).values_list("name", "number")) == [("Counter", 1)]


def test_terminals_created_at_once_in_one_branch_get_different_numbers(shop_a, django_db_blocker):
    """Eight connections create a terminal in the same branch at the same
    moment: the branch lock makes them take 1 to 8, none twice."""
    name = f"Race {uuid.uuid4().hex[:6]}"

    def create_branch():
        connection.set_tenant(shop_a)
        return branch_create(name=name)

    def one_terminal():
        connection.set_tenant(shop_a)
        return terminal_create(branch=branch, name=f"Till {uuid.uuid4().hex[:8]}").number

    def remove():
        connection.set_tenant(shop_a)
        Terminal.objects.filter(branch__name=name).delete()
        Branch.objects.filter(name=name).delete()

    with django_db_blocker.unblock():
        branch = run_committed(create_branch)
        try:
            numbers = at_once(one_terminal, times=8)
        finally:
            run_committed(remove)
    assert sorted(numbers) == list(range(1, 9))


@pytest.mark.parametrize("name", ["Main", "main", "BAZAAR"])
def test_the_session_branches_cannot_be_made_twice(in_shop_a, name):
    assert_error("branch_exists", branch_create, name=name)


def test_a_branch_is_renamed_and_closed_its_code_stays(in_shop_a):
    branch = branch_create(name="Harbour")
    updated = branch_update(branch=branch, name="  Old harbour ", address="Pier 3", is_active=False)
    stored = Branch.objects.get(pk=branch.pk)
    assert (stored.name, stored.address, stored.is_active, stored.code) == ("Old harbour", "Pier 3", False, branch.code)
    assert updated.name == stored.name


@pytest.mark.parametrize("name, code", [("   ", "invalid_branch"), ("bazaar", "branch_exists")])
def test_a_branch_name_must_be_there_and_free(in_shop_a, name, code):
    branch = branch_create(name="Harbour")
    with pytest.raises(ApplicationError) as err:
        branch_update(branch=branch, name=name)
    assert err.value.code == code
    assert Branch.objects.get(pk=branch.pk).name == "Harbour"


def test_a_branch_keeps_its_own_name_in_another_case(in_shop_a):
    branch = branch_create(name="Harbour")
    assert branch_update(branch=branch, name="HARBOUR").name == "HARBOUR"


def test_a_terminal_is_renamed_and_taken_out_of_service(in_shop_a):
    branch = branch_create(name="Harbour")
    first, second = terminal_create(branch=branch, name="Till 1"), terminal_create(branch=branch, name="Till 2")
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(ApplicationError) as err:
        terminal_update(terminal=second, name="till 1")
    assert err.value.code == "terminal_exists"
    updated = terminal_update(terminal=second, name="Back till", is_active=False)
    assert (updated.name, updated.is_active, updated.number, updated.branch_id) == ("Back till", False, 2, branch.pk)
    with pytest.raises(ApplicationError) as err:
        terminal_update(terminal=first, name=" ")
    assert err.value.code == "invalid_terminal"
