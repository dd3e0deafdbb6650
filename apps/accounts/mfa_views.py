"""The staff pages of two-step sign-in: the code after the password, setting
it up (QR code, the secret as text, a confirming code, the recovery codes
shown once), turning it off or renewing the codes with a code, and the
owner's page that clears a member of staff's (a lost phone). The work is
done in accounts/mfa.py."""
import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts import mfa
from apps.accounts.lockout import lockout_response
from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.ui.permissions import permission_required
from apps.ui.qr import qr_svg

PENDING = "mfa_pending"  # session: the user who gave the right password, waiting for the code
SETUP_SECRET = "mfa_setup_secret"  # session: the secret being set up, until a code confirms it
NEW_CODES = "mfa_new_codes"  # session: recovery codes to show once
PENDING_SECONDS = 300  # the code must follow the password within this long


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=mfa.OTP_MAX_LENGTH, label=gettext_lazy("Code"), strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "dir": "ltr", "spellcheck": "false",
                                      "autocapitalize": "off"}),
    )


def login_pending_start(request, *, user, next_url: str):
    """Called by the login page when the password was right for a user with
    MFA: nobody is logged in until the code is given."""
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time(), "next": next_url}
    return redirect("ui:login-verify")


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending


def _throttled_check(request, *, user, code: str) -> tuple[bool, object]:
    """A code checked under django-axes' lockout: (taken, lockout response or None)."""
    if not mfa.mfa_login_allowed(request=request, user=user):
        return False, lockout_response(request)
    if mfa.mfa_code_check(user=user, code=code):
        return True, None
    mfa.mfa_failure_record(request=request, user=user)
    return False, lockout_response(request) if getattr(request, "axes_locked_out", False) else None


@never_cache
def login_verify(request):
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Please log in again."))
        return redirect("ui:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        taken, locked = _throttled_check(request, user=user, code=form.cleaned_data["code"])
        if locked is not None:
            request.session.pop(PENDING, None)
            return locked
        if taken:
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            return redirect(pending["next"] or "ui:dashboard")
        form.add_error("code", _("The code is wrong or was already used."))
    return render(request, "accounts/login_verify.html", {"form": form, "email": user.email})


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def mfa_page(request):
    """Set up (when off) or manage (when on) the user's own two-step sign-in."""
    user = request.user
    if mfa.mfa_enabled(user):
        renew_form, off_form = CodeForm(auto_id="renew_%s"), CodeForm(auto_id="off_%s")
        for form in (renew_form, off_form):
            form.fields["code"].widget.attrs.pop("autofocus")  # a status page: nothing to type first
        return render(request, "accounts/mfa.html", {
            "device": user.mfa_device, "codes_left": mfa.recovery_codes_left(user), "renew_form": renew_form, "off_form": off_form,
        })
    secret = request.session.get(SETUP_SECRET) or mfa.secret_new()
    request.session[SETUP_SECRET] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.mfa_enable(user=user, secret=secret, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", _("The code is wrong: check the time on the phone and try the next code.")
                           if exc.code == "mfa_invalid" else exc.message)
        else:
            del request.session[SETUP_SECRET]
            request.session[NEW_CODES] = codes
            messages.success(request, _("Two-step sign-in is on."))
            return redirect("ui:mfa-codes")
    uri = mfa.provisioning_uri(secret=secret, user=user, issuer=request.tenant.name)
    return render(request, "accounts/mfa_setup.html", {
        "form": form, "qr": qr_svg(uri, label=_("QR code for the authenticator app")), "secret": _grouped(secret),
        "required": mfa.mfa_enrolment_required(user=user, shop=request.tenant),
    })


@never_cache
@login_required
def mfa_codes(request):
    """The recovery codes just made, shown this once (kept only as hashes)."""
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        return redirect("ui:mfa")
    return render(request, "accounts/mfa_codes.html", {"codes": codes})


def _code_action(request, action):
    """A POST that needs a code of the user's (turning off, new recovery codes)."""
    form = CodeForm(request.POST)
    if not form.is_valid() or not mfa.mfa_enabled(request.user):
        messages.error(request, _("Enter a code from the app or a recovery code."))
        return None, redirect("ui:mfa")
    user = request.user
    if not mfa.mfa_login_allowed(request=request, user=user):
        return None, lockout_response(request)
    try:
        result = action(user=user, code=form.cleaned_data["code"])
    except ApplicationError:
        mfa.mfa_failure_record(request=request, user=user)
        messages.error(request, _("The code is wrong or was already used."))
        return None, redirect("ui:mfa")
    return result, None


@require_POST
@login_required
def mfa_disable(request):
    _removed, refused = _code_action(request, mfa.mfa_disable)
    if refused is not None:
        return refused
    messages.success(request, _("Two-step sign-in is off."))
    return redirect("ui:mfa")


@require_POST
@login_required
def mfa_recovery_renew(request):
    codes, refused = _code_action(request, mfa.mfa_recovery_codes_renew)
    if refused is not None:
        return refused
    request.session[NEW_CODES] = codes
    return redirect("ui:mfa-codes")


@permission_required("accounts.manage_staff")
def staff_mfa(request):
    """Who uses two-step sign-in; the owner clears it for someone who lost the phone."""
    if request.method == "POST":
        user_id = request.POST.get("user", "")
        target = get_object_or_404(User, pk=int(user_id)) if user_id.isdigit() and len(user_id) < 19 else None
        if target is None:
            return redirect("ui:staff-mfa")
        try:
            mfa.mfa_reset(user=target, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, {
                "mfa_reset_self": _("Turn your own two-step sign-in off with a code on your own page."),
                "mfa_not_enabled": _("This user has no two-step sign-in."),
                "role_above_yours": _("Only an owner may clear an owner's two-step sign-in."),
            }.get(exc.code, exc.message))
        else:
            messages.success(request, _("Two-step sign-in of %(email)s was cleared.") % {"email": target.email})
        return redirect("ui:staff-mfa")
    return render(request, "accounts/staff_mfa.html", {"staff": mfa.staff_mfa_list(), "shop": request.tenant})
