"""Two-step sign-in (TOTP, RFC 6238, through pyotp) and recovery codes: the
one home of MFA for the staff pages and the token API.

A user has MFA once a device is confirmed with a code from the app. A login
then needs a code of the current time step (one step either side, for clock
drift) that is newer than the last one taken, or an unused recovery code.
Failed codes are counted by django-axes as failed logins (`user_login_failed`),
so the lockout rules of passwords hold for codes too. A shop that requires
MFA (`Tenant.mfa_required`, read through the request's tenant: accounts
imports no tenancy) holds its owners and managers to it."""
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import MfaDevice, RecoveryCode, User
from apps.accounts.roles import MFA_REQUIRED_ROLES
from apps.accounts.services import role_within
from apps.core.errors import ApplicationError
from apps.core.services import audit_record

OTP_MAX_LENGTH = 32  # a code field longer than any code, bounded at the edge
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 10
_DRIFT_STEPS = 1  # codes of the step before and after are taken too (pyotp's valid_window=1)


# --------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------


def mfa_enabled(user) -> bool:
    return bool(getattr(user, "pk", None)) and MfaDevice.objects.filter(user_id=user.pk).exists()


def mfa_enrolment_required(*, user, shop) -> bool:
    """The shop requires MFA of the user's role and the user has none yet."""
    return (
        bool(getattr(shop, "mfa_required", False))
        and getattr(user, "role", "") in MFA_REQUIRED_ROLES
        and not mfa_enabled(user)
    )


def staff_mfa_list():
    """The shop's active staff with when each turned MFA on (None: off)."""
    return (User.objects.filter(is_active=True).exclude(role="").select_related("mfa_device")
            .order_by("role", "email"))


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def secret_new() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, user, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


# A Persian keyboard types Persian (or Arabic-Indic) digits; the app shows ASCII ones.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def _normalized(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower().translate(_DIGITS)[:OTP_MAX_LENGTH]


def _is_totp(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def _totp_step(secret: str, code: str, at: datetime | None = None) -> int | None:
    """The time step whose code this is (now, or one step either side)."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(at or timezone.now())
    for step in range(now - _DRIFT_STEPS, now + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------
# Checking a code
# --------------------------------------------------------------------------


def mfa_code_check(*, user: User, code: str) -> bool:
    """Takes a TOTP code (once per time step) or a recovery code (once ever)
    of the user's; False if it is neither. Both are taken with one
    conditional UPDATE, so two requests racing with one code cannot both win."""
    code = _normalized(code)
    device = MfaDevice.objects.filter(user_id=user.pk).first()
    if device is None or not code:
        return False
    if _is_totp(code):
        step = _totp_step(device.secret, code)
        return step is not None and MfaDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1
    taken = RecoveryCode.objects.filter(user_id=user.pk, code_hash=_code_hash(code), used_at__isnull=True).update(used_at=timezone.now())
    if taken:
        audit_record(actor=user, action="accounts.mfa_recovery_code_used", obj=user, after={"left": recovery_codes_left(user)})
    return taken == 1


def mfa_failure_record(*, request, user: User) -> None:
    """A wrong code counts as a failed login for django-axes (which may lock
    the account and marks the request `axes_locked_out`)."""
    user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)


def mfa_login_allowed(*, request, user: User) -> bool:
    """False while django-axes holds the account locked for this client."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_allowed(request, {"username": user.email})


def mfa_login_check(*, request, user: User, shop, code: str | None) -> None:
    """The second step of a token login, after the password: refuses with
    `mfa_enrolment_required`, `mfa_required` or `mfa_invalid`."""
    if not mfa_enabled(user):
        if mfa_enrolment_required(user=user, shop=shop):
            raise ApplicationError("mfa_enrolment_required", "The shop requires two-step sign-in: set it up on the staff site first.",
                                   status=403)
        return
    if not code:
        raise ApplicationError("mfa_required", "This account uses two-step sign-in: send the code from the app as `otp`.",
                               status=401, details=[{"field": "otp", "code": "mfa_required", "message": "A code is required."}])
    if not mfa_code_check(user=user, code=code):
        mfa_failure_record(request=request, user=user)
        raise ApplicationError("mfa_invalid", "The code is wrong or was already used.", status=401,
                               details=[{"field": "otp", "code": "mfa_invalid", "message": "The code is wrong or was already used."}])


# --------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------


def _recovery_codes_new(user: User) -> list[str]:
    """Fresh codes replace all earlier ones; the plain codes are returned to be shown once."""
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH)) for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


@transaction.atomic
def mfa_enable(*, user: User, secret: str, code: str) -> list[str]:
    """Confirms the app holds `secret` (a current code of it) and turns MFA
    on; returns the recovery codes, which are kept only as hashes."""
    User.objects.select_for_update().get(pk=user.pk)
    if MfaDevice.objects.filter(user=user).exists():
        raise ApplicationError("mfa_already_enabled", "Two-step sign-in is already on.", status=409)
    step = _totp_step(secret, _normalized(code)) if _is_totp(_normalized(code)) else None
    if step is None:
        raise ApplicationError("mfa_invalid", "The code is wrong: check the time on the phone and try the next code.")
    MfaDevice.objects.create(user=user, secret=secret, last_step=step)
    codes = _recovery_codes_new(user)
    audit_record(actor=user, action="accounts.mfa_enable", obj=user, after={"mfa": True})
    return codes


@transaction.atomic
def mfa_recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), for the user, with a code."""
    if not mfa_code_check(user=user, code=code):
        raise ApplicationError("mfa_invalid", "The code is wrong or was already used.")
    codes = _recovery_codes_new(user)
    audit_record(actor=user, action="accounts.mfa_recovery_codes_renew", obj=user)
    return codes


@transaction.atomic
def mfa_disable(*, user: User, code: str) -> None:
    """The user turns MFA off, proving it with a code."""
    if not mfa_code_check(user=user, code=code):
        raise ApplicationError("mfa_invalid", "The code is wrong or was already used.")
    _mfa_remove(user=user, actor=user)


@transaction.atomic
def mfa_reset(*, user: User, actor: User) -> None:
    """Someone who manages staff clears another user's MFA (a lost phone);
    the user enrols again at the next login if the shop requires it."""
    if not actor.has_perm("accounts.manage_staff"):
        raise ApplicationError("permission_denied", "You may not manage staff.", status=403)
    if user.role and not role_within(actor=actor, role=user.role):
        raise ApplicationError("role_above_yours", "Only an owner may clear an owner's two-step sign-in.", status=403)
    if actor.pk == user.pk:
        raise ApplicationError("mfa_reset_self", "Turn your own two-step sign-in off with a code instead.")
    if not mfa_enabled(user):
        raise ApplicationError("mfa_not_enabled", "This user has no two-step sign-in.")
    _mfa_remove(user=user, actor=actor)


@transaction.atomic
def mfa_operator_reset(*, user: User) -> bool:
    """A platform operator clears a user's MFA (the only owner lost the phone
    and the recovery codes); the audit entry has no actor. False: it was off."""
    if not mfa_enabled(user):
        return False
    _mfa_remove(user=user, actor=None)
    return True


def _mfa_remove(*, user: User, actor: User | None) -> None:
    MfaDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    by_self = actor is not None and actor.pk == user.pk
    audit_record(actor=actor, action="accounts.mfa_disable" if by_self else "accounts.mfa_reset", obj=user,
                 before={"mfa": True}, after={"mfa": False}, note="" if actor is not None else "by a platform operator")
