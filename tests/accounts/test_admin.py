"""The shop admin writes users through the services: a role always comes
with its permission group, refusals are form errors (and nothing of the
change is kept), users are deactivated rather than deleted."""
from django.contrib.auth.models import Group

from apps.accounts.models import Role, User
from apps.accounts.services import user_create


def change_form(user: User, **overrides) -> dict:
    data = {"email": user.email, "full_name": user.full_name, "language": user.language, "role": user.role, "is_active": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_adding_a_user_gives_them_their_roles_group(admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "email": "New.Cashier@shop-a.test", "full_name": "Sara", "role": Role.CASHIER,
        "password1": "Zargar-admin-pass-9", "password2": "Zargar-admin-pass-9",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.cashier@shop-a.test")
    assert (user.role, user.is_staff, user.full_name) == (Role.CASHIER, False, "Sara")
    assert list(user.groups.values_list("name", flat=True)) == [Role.CASHIER]
    assert user.check_password("Zargar-admin-pass-9")


def test_a_weak_password_is_a_form_error(admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "email": "weak@shop-a.test", "role": Role.CASHIER, "password1": "123", "password2": "123",
    })
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@shop-a.test").exists()


def test_changing_the_role_changes_the_group_and_staff_flag(admin_client):
    user = User.objects.get(email="cashier@shop-a.test")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", change_form(user, role=Role.MANAGER, full_name="Promoted"))
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(pk=user.pk)
    assert (user.role, user.is_staff, user.full_name) == (Role.MANAGER, True, "Promoted")
    assert list(user.groups.values_list("name", flat=True)) == [Role.MANAGER]
    assert user.has_perm("accounts.void_sale")


def test_a_refusal_of_the_service_is_a_form_error_and_nothing_is_kept(admin_client):
    """A blank role passes the form (superusers have none) but not
    user_set_role: the page says why, and the name changed in the same
    save is rolled back with it."""
    user = User.objects.get(email="cashier@shop-a.test")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", change_form(user, role="", full_name="Changed"))
    assert response.status_code == 200
    assert "Unknown role" in response.content.decode()
    user = User.objects.get(pk=user.pk)
    assert (user.role, user.full_name) == (Role.CASHIER, "")


def test_an_unknown_language_is_a_form_error(admin_client):
    user = User.objects.get(email="cashier@shop-a.test")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", change_form(user, language="xx"))
    assert response.status_code == 200
    assert "Language must be one of" in response.content.decode()
    assert User.objects.get(pk=user.pk).language == ""


def test_groups_and_flags_follow_the_role_only(admin_client):
    """is_staff, is_superuser and groups posted by hand are ignored."""
    user = User.objects.get(email="cashier@shop-a.test")
    owner_group = Group.objects.get(name=Role.OWNER)
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/",
                                 change_form(user, is_staff="on", is_superuser="on", groups=[owner_group.pk]))
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.groups.values_list("name", flat=True)) == [Role.CASHIER]


def test_the_password_is_set_through_the_service(admin_client):
    user = user_create(email="pw@shop-a.test", password="Zargar-old-pass-1", role=Role.CASHIER)
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/password/",
                                 {"usable_password": "true", "password1": "Zargar-new-pass-2", "password2": "Zargar-new-pass-2"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=user.pk).check_password("Zargar-new-pass-2")


def test_users_are_not_deleted_and_role_groups_not_edited(admin_client):
    user = User.objects.get(email="cashier@shop-a.test")
    assert admin_client.get(f"/admin/accounts/user/{user.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/auth/group/add/").status_code == 403
    group = Group.objects.get(name=Role.CASHIER)
    assert admin_client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 200  # shown, read-only
    assert admin_client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "hacked"}).status_code == 403


def test_the_pages_offer_the_role_not_the_groups(admin_client):
    user = User.objects.get(email="cashier@shop-a.test")
    add = admin_client.get("/admin/accounts/user/add/").content.decode()
    assert 'name="role"' in add and 'name="password1"' in add
    change = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="role"' in change and 'name="groups"' not in change and 'name="is_superuser"' not in change
