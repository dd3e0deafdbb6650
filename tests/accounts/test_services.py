"""user_update and user_password_set."""
import pytest

from apps.accounts.models import Role, User
from apps.accounts.services import user_create, user_password_set, user_update
from apps.core.errors import ApplicationError


@pytest.fixture
def cashier(in_shop_a) -> User:
    return User.objects.get(email="cashier@shop-a.test")


def test_a_profile_changes_and_what_is_left_out_stays(cashier):
    user_update(user=cashier, email=" Sara@Shop-A.test ", full_name=" Sara ", language="fa")
    stored = User.objects.get(pk=cashier.pk)
    assert (stored.email, stored.full_name, stored.language, stored.role, stored.is_active) == (
        "sara@shop-a.test", "Sara", "fa", Role.CASHIER, True)


def test_a_role_change_brings_its_group_and_deactivating_keeps_the_row(cashier):
    user_update(user=cashier, role=Role.MANAGER, is_active=False)
    stored = User.objects.get(pk=cashier.pk)
    assert (stored.role, stored.is_staff, stored.is_active) == (Role.MANAGER, True, False)
    assert list(stored.groups.values_list("name", flat=True)) == [Role.MANAGER]


@pytest.mark.parametrize("changes, code", [
    ({"email": "MANAGER@shop-a.test"}, "email_taken"),
    ({"language": "xx"}, "invalid_language"),
    ({"role": "king"}, "invalid_role"),
])
def test_refused_changes(cashier, changes, code):
    with pytest.raises(ApplicationError) as err:
        user_update(user=cashier, **changes)
    assert err.value.code == code


def test_a_password_is_held_to_the_rules_or_taken_away(in_shop_a):
    user = user_create(email="pw@shop-a.test", password="Zargar-old-pass-1", role=Role.CASHIER)
    with pytest.raises(ApplicationError) as err:
        user_password_set(user=user, password="123")
    assert err.value.code == "weak_password"
    assert User.objects.get(pk=user.pk).check_password("Zargar-old-pass-1")
    user_password_set(user=user, password="Zargar-new-pass-2")
    assert User.objects.get(pk=user.pk).check_password("Zargar-new-pass-2")
    user_password_set(user=user, password=None)
    assert not User.objects.get(pk=user.pk).has_usable_password()
