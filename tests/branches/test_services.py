"""branch_update and terminal_update: names checked like at creation; codes
and numbers (in receipt numbers) never change."""
import pytest

from apps.branches.models import Branch
from apps.branches.services import branch_create, branch_update, terminal_create, terminal_update
from apps.core.errors import ApplicationError


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
