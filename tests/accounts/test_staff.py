"""Managing staff through the services: who may give which role, the last
owner, nobody deactivating themselves, passwords held to the rules, every
change audited, a deactivated user's sessions and tokens stopped."""
import pytest
from django.contrib.auth.tokens import default_token_generator

from apps.accounts.models import Role, User
from apps.accounts.services import (
    password_link_make,
    roles_grantable,
    staff_create,
    staff_password_reset,
    staff_update,
    tokens_revoke,
)
from apps.core.models import AuditEntry
from apps.core.errors import ApplicationError
from tests.conftest import in_shop
from tests.helpers import PASSWORD, assert_error, at_once, fresh

NEW = "Zargar-new-staff-9"


def test_the_owner_adds_a_cashier_with_an_initial_password_argon2_and_audited(owner):
    user = staff_create(actor=owner, email=" Sara@Shop-A.test ", full_name=" Sara  Rahimi ", role=Role.CASHIER, password=NEW)
    stored = fresh(user)
    assert (stored.email, stored.full_name, stored.role, stored.is_active, stored.is_staff) == (
        "sara@shop-a.test", "Sara Rahimi", "cashier", True, False)
    assert stored.password.startswith("argon2$") and stored.check_password(NEW)
    assert list(stored.groups.values_list("name", flat=True)) == ["cashier"]
    entry = AuditEntry.objects.get(action="staff.create", object_id=str(user.pk))
    assert entry.actor_id == owner.pk and entry.after["role"] == "cashier" and entry.after["password_set"] is True
    assert NEW not in str(entry.after)


def test_without_a_password_the_user_gets_a_one_time_link(owner):
    user = staff_create(actor=owner, email="link@shop-a.test", full_name="Link", role=Role.CASHIER)
    assert not fresh(user).has_usable_password()
    uid, token = password_link_make(user=user).strip("/").split("/")[-2:]
    assert default_token_generator.check_token(fresh(user), token)
    user.set_password(NEW)
    user.save()
    assert not default_token_generator.check_token(fresh(user), token)  # used once, it is spent


@pytest.mark.parametrize("password", ["123", "password", "link@shop-a.test"])
def test_a_weak_initial_password_is_refused_and_nothing_is_made(owner, password):
    assert_error("weak_password", staff_create, actor=owner, email="link@shop-a.test", full_name="Link", role="cashier",
                 password=password)
    assert not User.objects.filter(email="link@shop-a.test").exists()


@pytest.mark.parametrize("email, role, code", [
    ("cashier@shop-a.test", "cashier", "email_taken"),
    ("not an address", "cashier", "invalid_email"),
    ("x@shop-a.test", "king", "invalid_role"),
])
def test_bad_staff_input_is_refused(owner, email, role, code):
    assert_error(code, staff_create, actor=owner, email=email, full_name="X", role=role, password=NEW)


def test_a_manager_makes_cashiers_and_managers_but_never_an_owner(manager, owner, cashier):
    assert roles_grantable(actor=manager) == ["manager", "cashier"]
    assert roles_grantable(actor=owner) == ["owner", "manager", "cashier"]
    staff_create(actor=manager, email="m2@shop-a.test", full_name="M2", role=Role.MANAGER, password=NEW)
    assert_error("role_above_yours", staff_create, actor=manager, email="o2@shop-a.test", full_name="O2", role="owner", password=NEW)
    assert_error("role_above_yours", staff_update, actor=manager, user=cashier, role=Role.OWNER)
    assert_error("role_above_yours", staff_update, actor=manager, user=owner, full_name="Renamed")
    assert_error("role_above_yours", staff_update, actor=manager, user=owner, is_active=False)
    assert_error("role_above_yours", staff_password_reset, actor=manager, user=owner, password=NEW)
    assert fresh(owner).is_active and fresh(owner).role == "owner"


def test_a_cashier_manages_no_one(cashier, manager):
    assert_error("permission_denied", staff_create, actor=cashier, email="c2@shop-a.test", full_name="C2", role="cashier", password=NEW)
    assert_error("permission_denied", staff_update, actor=cashier, user=manager, is_active=False)


def test_nobody_deactivates_themselves(owner, manager):
    assert_error("deactivate_self", staff_update, actor=manager, user=manager, is_active=False)
    assert_error("deactivate_self", staff_update, actor=owner, user=owner, is_active=False)


def test_the_last_active_owner_is_neither_demoted_nor_deactivated(owner):
    second = staff_create(actor=owner, email="owner2@shop-a.test", full_name="Second", role=Role.OWNER, password=NEW)
    staff_update(actor=second, user=owner, role=Role.MANAGER)  # two owners: one may step down
    assert_error("last_owner", staff_update, actor=second, user=second, role=Role.MANAGER)
    staff_update(actor=second, user=owner, role=Role.OWNER)
    staff_update(actor=owner, user=second, is_active=False)
    assert_error("last_owner", staff_update, actor=owner, user=owner, role=Role.CASHIER)
    assert fresh(owner).role == "owner"


def test_two_owners_deactivating_each_other_at_once_leave_one(shop):
    """Real threads, committed rows: each locks the active owners before the
    user it changes, so the second sees the first's change and refuses."""
    def setup():
        first = User.objects.get(email="owner@shop-a.test")
        return staff_create(actor=first, email="race-owner@shop-a.test", full_name="Race", role=Role.OWNER, password=None).pk

    second_id = in_shop(shop, setup)
    first_id = User.objects.get(email="owner@shop-a.test").pk
    calls = [("owner@shop-a.test", second_id), ("race-owner@shop-a.test", first_id)]

    def deactivate():
        from django.db import connection

        actor_email, target_id = calls.pop()
        connection.set_tenant(shop)
        try:
            staff_update(actor=User.objects.get(email=actor_email), user=User.objects.get(pk=target_id), is_active=False)
            return "done"
        except ApplicationError as exc:
            return exc.code

    try:
        done, refused = sorted(at_once(deactivate, times=2))
        # The second refuses: as the last owner, or, when it read its actor
        # after the first committed, as an owner no longer active.
        assert done == "done" and refused in ("last_owner", "permission_denied")
        assert in_shop(shop, lambda: User.objects.filter(pk__in=[first_id, second_id], is_active=True).count()) == 1
    finally:
        def cleanup():
            User.objects.filter(pk=first_id).update(is_active=True)
            AuditEntry.objects.filter(object_id__in=[str(first_id), str(second_id)], action__startswith="staff.").delete()
            User.objects.filter(pk=second_id).delete()
        in_shop(shop, cleanup)


def test_every_change_is_audited_with_before_and_after(owner, cashier):
    staff_update(actor=owner, user=cashier, full_name="Kian", role=Role.MANAGER)
    staff_update(actor=owner, user=cashier, is_active=False)
    staff_update(actor=owner, user=cashier, is_active=True)
    staff_password_reset(actor=owner, user=cashier, password=NEW)
    actions = list(AuditEntry.objects.filter(object_id=str(cashier.pk), object_type="accounts.user")
                   .order_by("at", "id").values_list("action", "before__role", "after__role"))
    assert [a[0] for a in actions] == ["staff.update", "staff.deactivate", "staff.reactivate", "staff.password_reset"]
    assert actions[0][1:] == ("cashier", "manager")
    assert fresh(cashier).check_password(NEW) and not fresh(cashier).check_password(PASSWORD)


def test_a_reset_by_link_leaves_no_usable_password(owner, cashier):
    staff_password_reset(actor=owner, user=cashier, password=None)
    assert not fresh(cashier).has_usable_password()
    assert_error("weak_password", staff_password_reset, actor=owner, user=cashier, password="1234")


def test_deactivating_blacklists_the_users_refresh_tokens(owner, cashier):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from apps.accounts.tokens import ShopRefreshToken

    ShopRefreshToken.for_user(cashier)
    ShopRefreshToken.for_user(cashier)
    staff_update(actor=owner, user=cashier, is_active=False)
    assert OutstandingToken.objects.filter(user=cashier, blacklistedtoken__isnull=True).count() == 0
    assert OutstandingToken.objects.filter(user=cashier).count() == 2
    assert tokens_revoke(user=cashier) == 0


def test_nobody_resets_their_own_password_here(owner):
    assert_error("reset_self", staff_password_reset, actor=owner, user=owner, password=NEW)
    assert fresh(owner).check_password(PASSWORD)


def test_a_manager_cannot_clear_an_owners_two_step_sign_in(owner, manager):
    from apps.accounts.mfa import mfa_reset

    assert_error("role_above_yours", mfa_reset, user=owner, actor=manager)
