"""What the branch list reads (apps/branches/selectors.py)."""

from apps.branches.models import Branch
from apps.branches.selectors import branch_list
from apps.branches.services import branch_create


def test_branch_list_is_the_open_branches_oldest_first(in_shop_a):
    closed, airport = branch_create(name="Closed"), branch_create(name="Airport")
    Branch.objects.filter(pk=closed.pk).update(is_active=False)
    assert [b.name for b in branch_list()] == ["Main", "Bazaar", "Airport"]
    assert airport in branch_list() and closed not in branch_list()
