"""Permissions come from the role in code (apps.accounts.backends), and say
exactly what the role groups in the database say."""
import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role, User
from apps.accounts.roles import role_permission_names
from apps.accounts.services import user_create, user_set_role, user_update


@pytest.mark.parametrize("role", Role.values)
def test_the_role_in_code_grants_what_its_group_holds(in_shop_a, role):
    user = user_create(email=f"{role}-backend@shop-a.test", password="Zargar-backend-1", role=role)
    from_groups = ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))  # read from the database
    assert from_groups  # every role holds something
    assert role_permission_names(role) == from_groups
    assert User.objects.get(pk=user.pk).get_all_permissions() == from_groups


def test_checking_permissions_reads_nothing(in_shop_a):
    user = User.objects.get(email="manager@shop-a.test")
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("accounts.void_sale") and not user.has_perm("accounts.manage_shop")
        assert user.has_perm("sales.view_sale")  # the admin's view permissions of a manager
    assert len(queries) == 0


def test_a_new_role_or_a_disabled_account_changes_the_permissions(in_shop_a):
    user = User.objects.get(email="cashier@shop-a.test")
    assert not user.has_perm("accounts.void_sale")
    user_set_role(user=user, role=Role.MANAGER)
    assert User.objects.get(pk=user.pk).has_perm("accounts.void_sale")
    user_update(user=User.objects.get(pk=user.pk), is_active=False)
    assert User.objects.get(pk=user.pk).get_all_permissions() == set()
