import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from apps.accounts.models import Role, User
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.accounts.services import user_create, user_set_role
from apps.core.errors import ApplicationError


def test_argon2_is_the_first_hasher_and_used_for_new_passwords(in_shop_a):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = User.objects.get(email="cashier@shop-a.test")
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    "email, allowed, denied",
    [
        ("cashier@shop-a.test", {"sell", "manage_customers"}, {"void_sale", "override_price", "manage_terminals", "manage_shop"}),
        ("manager@shop-a.test", {"sell", "void_sale", "override_price", "manage_terminals", "view_reports", "manage_staff"},
         {"manage_shop"}),
        ("owner@shop-a.test", {"sell", "void_sale", "manage_staff", "manage_shop"}, set()),
    ],
)
def test_roles_carry_permissions(in_shop_a, email, allowed, denied):
    user = User.objects.get(email=email)
    for codename in allowed:
        assert user.has_perm(f"accounts.{codename}"), codename
    for codename in denied:
        assert not user.has_perm(f"accounts.{codename}"), codename


def test_every_role_group_exists_with_exactly_its_permissions(in_shop_a):
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        custom = set(group.permissions.filter(content_type__app_label="accounts", codename__in=[
            c for perms in ROLE_PERMISSIONS.values() for c in perms
        ]).values_list("codename", flat=True))
        assert custom == codenames


def test_changing_role_changes_permissions(in_shop_a):
    user = user_create(email="promote@shop-a.test", password="Long-enough-pass-1", role=Role.CASHIER)
    assert not user.has_perm("accounts.void_sale")
    user_set_role(user=user, role=Role.MANAGER)
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    assert user.has_perm("accounts.void_sale")
    assert user.is_staff


def test_duplicate_email_and_unknown_role_are_refused(in_shop_a):
    with pytest.raises(ApplicationError) as err:
        user_create(email="CASHIER@shop-a.test", password="Long-enough-pass-1", role=Role.CASHIER)
    assert err.value.code == "email_taken"
    with pytest.raises(ApplicationError) as err:
        user_create(email="new@shop-a.test", password="Long-enough-pass-1", role="king")
    assert err.value.code == "invalid_role"


def test_platform_operators_live_in_the_public_schema(db, shop_a):
    User.objects.create_superuser(email="operator@zargar.test", password="Operator-pass-1")
    assert User.objects.filter(email="operator@zargar.test").exists()
    with shop_a:
        assert not User.objects.filter(email="operator@zargar.test").exists()
