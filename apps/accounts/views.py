"""Staff login (with django-axes lockout, then the code of users with
two-step sign-in: accounts/mfa_views.py), logout, password change and the
per-user language switch."""
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import MaxLengthValidator
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.accounts.lockout import EMAIL_MAX_LENGTH
from apps.accounts.mfa import mfa_enabled
from apps.accounts.mfa_views import login_pending_start
from apps.accounts.services import user_language_set
from apps.core.errors import ApplicationError


class LoginForm(AuthenticationForm):
    # Bounded here: AuthenticationForm only sets the widget's maxlength, and an
    # over-long name would overflow axes' record of the failure (a 500).
    username = forms.EmailField(label=_("E-mail"), max_length=EMAIL_MAX_LENGTH,
                                widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if mfa_enabled(user):
            return login_pending_start(self.request, user=user, next_url=self.get_success_url())
        return super().form_valid(form)


# No one types more; a longer one is refused on the form rather than hashed.
PASSWORD_MAX_LENGTH = 512


class BoundedPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].max_length = PASSWORD_MAX_LENGTH
            self.fields[name].validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
            self.fields[name].widget.attrs["maxlength"] = str(PASSWORD_MAX_LENGTH)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("ui:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = BoundedPasswordChangeForm
    success_url = reverse_lazy("ui:dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@require_POST
@login_required
def language_set(request):
    try:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(_safe_next(request, "/"))
