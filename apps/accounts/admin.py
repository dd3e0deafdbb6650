"""Admin for staff users: writes go through the services (`user_create`,
`user_update`, `user_password_set`), so a role always comes with its
permission group. Users are deactivated, never deleted (sales and audit
entries keep their actor); role groups are kept by `roles_sync`."""
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.mfa import mfa_enabled
from apps.accounts.models import Role, User
from apps.accounts.services import user_create, user_password_set, user_update
from apps.core.admin_writes import ServiceAdmin


class UserAddForm(BaseUserCreationForm):
    role = forms.ChoiceField(choices=Role.choices)

    class Meta:
        model = User
        fields = ("email", "full_name", "role")


class PasswordForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        return user_password_set(user=self.user, password=password)


@admin.register(User)
class UserAdmin(ServiceAdmin, BaseUserAdmin):
    add_form = UserAddForm
    change_password_form = PasswordForm
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "full_name")
    # is_staff and the groups follow the role (user_set_role).
    readonly_fields = ("is_staff", "is_superuser", "groups", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "language", "role")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "role", "password1", "password2")}),)

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, data):
        return user_create(email=data["email"], password=data["password1"], role=data["role"], full_name=data["full_name"])

    def update(self, request, obj, changes):
        return user_update(user=obj, **changes)


class OperatorAdmin(UserAdmin):
    """Platform operators (the public schema's users, on the platform admin):
    they have no shop role. New operators are made with `createsuperuser`."""

    list_display = ("email", "full_name", "is_active", "last_login")
    list_filter = ("is_active",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "language")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    def has_add_permission(self, request):
        return False


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's own login asks only the password: users with two-step
    sign-in log in on the staff login (which asks the code) and come back."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if mfa_enabled(user):
            raise forms.ValidationError(
                _("This account uses two-step sign-in: log in on the staff login page (%(url)s), then open the admin."),
                code="mfa_required", params={"url": reverse("ui:login")},
            )


admin.site.login_form = AdminLoginForm
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(BaseGroupAdmin):
    """The role groups (owner, manager, cashier): `roles_sync` keeps their
    permissions, so the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
