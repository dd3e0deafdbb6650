"""The Staff page: the owner (and a manager, within the roles they hold)
adds staff, changes roles, resets passwords, deactivates and reactivates.
A new user gets an initial password, or a one-time link to set one, shown
once here. The link's page (Django's reset confirmation, through the
services) is at the end."""
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.selectors import staff_list
from apps.accounts.services import (
    password_link_make,
    role_within,
    roles_grantable,
    staff_create,
    staff_password_reset,
    staff_update,
    user_password_set,
)
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.ui.labels import choices
from apps.ui.permissions import permission_required

NEW_LINK = "staff_new_link"  # the link shown once, on the next page only
MANAGE = "accounts.manage_staff"
ERROR_FIELDS = {"invalid_email": "email", "email_taken": "email", "weak_password": "password", "invalid_role": "role",
                "role_above_yours": "role"}
ERRORS = {
    "role_above_yours": _("Only an owner may give, change or take away the owner role."),
    "last_owner": _("The shop's last active owner cannot be deactivated or given another role."),
    "deactivate_self": _("You cannot deactivate yourself."),
    "reset_self": _("Change your own password on your own page: it asks for the current one."),
    "email_taken": _("Another user already has this e-mail."),
    "permission_denied": _("You are not allowed to do this."),
}
HOW = [("link", _("Give them a one-time link to set their own password")), ("password", _("Set an initial password"))]


def _error_text(exc: ApplicationError) -> str:
    return str(ERRORS.get(exc.code, exc.message))


def _show(form: forms.Form, exc: ApplicationError) -> None:
    """A service's refusal on the field it concerns (or the form), in the page's language where we have it."""
    field = ERROR_FIELDS.get(exc.code)
    form.add_error(field if field in form.fields else None, _error_text(exc))


class StaffForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("E-mail"), widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "off"}))
    full_name = forms.CharField(max_length=150, label=_("Full name"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = choices("role", roles_grantable(actor=actor))


class StaffNewForm(StaffForm):
    how = forms.ChoiceField(label=_("Password"), choices=HOW, initial="link", widget=forms.RadioSelect)
    password = forms.CharField(label=_("Initial password"), required=False, max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}))

    def clean(self):
        data = super().clean()
        if data.get("how") == "password" and not data.get("password"):
            self.add_error("password", _("Type the initial password, or choose the link."))
        return data


class PasswordResetForm(forms.Form):
    how = forms.ChoiceField(label=_("Password"), choices=HOW, initial="link", widget=forms.RadioSelect)
    password = forms.CharField(label=_("New password"), required=False, max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}))


def _link_shown_once(request, user: User) -> None:
    request.session[NEW_LINK] = {"user": user.pk, "email": user.email, "url": request.build_absolute_uri(password_link_make(user=user))}


@permission_required(MANAGE)
def staff_page(request):
    return render(request, "accounts/staff_list.html", {
        "staff": staff_list(), "new_link": request.session.pop(NEW_LINK, None),
    })


@permission_required(MANAGE)
def staff_new(request):
    form = StaffNewForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = data["password"] if data["how"] == "password" else None
        try:
            user = staff_create(actor=request.user, email=data["email"], full_name=data["full_name"], role=data["role"],
                                password=password)
        except ApplicationError as exc:
            _show(form, exc)
        else:
            if password is None:
                _link_shown_once(request, user)
            messages.success(request, _("%(email)s was added.") % {"email": user.email})
            return redirect("ui:staff-list")
    return render(request, "accounts/staff_new.html", {"form": form})


def _member(request, user_id) -> User:
    return get_object_or_404(User.objects.exclude(role=""), pk=user_id)


@permission_required(MANAGE)
def staff_detail(request, user_id):
    member = _member(request, user_id)
    may_change = role_within(actor=request.user, role=member.role)
    initial = {"email": member.email, "full_name": member.full_name, "role": member.role}
    form = StaffForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST":
        if not may_change:
            messages.error(request, ERRORS["role_above_yours"])
            return redirect("ui:staff-detail", user_id=member.pk)
        if form.is_valid():
            try:
                staff_update(actor=request.user, user=member, **form.cleaned_data)
            except ApplicationError as exc:
                _show(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("ui:staff-list")
    return render(request, "accounts/staff_detail.html", {
        "member": member, "form": form, "may_change": may_change, "password_form": PasswordResetForm(),
    })


@require_POST
@permission_required(MANAGE)
def staff_password(request, user_id):
    member = _member(request, user_id)
    form = PasswordResetForm(request.POST)
    if not form.is_valid() or (form.cleaned_data["how"] == "password" and not form.cleaned_data["password"]):
        messages.error(request, _("Type the new password, or choose the link."))
        return redirect("ui:staff-detail", user_id=member.pk)
    password = form.cleaned_data["password"] if form.cleaned_data["how"] == "password" else None
    try:
        staff_password_reset(actor=request.user, user=member, password=password)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("ui:staff-detail", user_id=member.pk)
    if password is None:
        _link_shown_once(request, member)
    messages.success(request, _("The password of %(email)s was reset.") % {"email": member.email})
    return redirect("ui:staff-list")


@require_POST
@permission_required(MANAGE)
def staff_active(request, user_id):
    member = _member(request, user_id)
    active = request.POST.get("active") == "1"
    try:
        staff_update(actor=request.user, user=member, is_active=active)
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, (_("%(email)s can log in again.") if active else _("%(email)s can no longer log in."))
                         % {"email": member.email})
    return redirect("ui:staff-list")


# --------------------------------------------------------------------------
# The one-time link: Django's reset confirmation, writing through the services
# --------------------------------------------------------------------------


class _LinkPasswordForm(SetPasswordForm):
    def save(self, commit=True):
        user_password_set(user=self.user, password=self.cleaned_data["new_password1"])
        audit_record(actor=self.user, action="staff.password_set", obj=self.user, after={"by_link": True})
        return self.user


class SetPasswordByLinkView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/set_password.html"
    form_class = _LinkPasswordForm
    success_url = reverse_lazy("ui:login")
    reset_url_token = "set"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active and user.role else None

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set: log in with it."))
        return response
