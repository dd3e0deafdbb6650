"""django-axes hooks: which name a login attempt is counted against, which
attempts are refused (per user and client, plus a short per-user delay), and
what a refused user sees (JSON on the API, a page elsewhere)."""
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render

from apps.core.errors import error_response


def attempt_username(request, credentials) -> str:
    """The e-mail tried: the UI's form says `username`, the token API `email`."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if not name and request is not None:
        data = getattr(request, "POST", None) or {}
        name = data.get("username") or data.get("email")
    return (name or "").strip().lower()


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    delay = getattr(request, "axes_login_delay", 0)
    if delay:
        code, message, wait = "login_delayed", f"Too many failed logins for this account. Try again in {delay} seconds.", delay
    else:
        code, message, wait = "account_locked", f"Too many failed logins. Try again in {_minutes()} minutes.", _minutes() * 60
    if request.path.startswith("/api/"):
        response = error_response(code, message, status=429)
    else:
        response = render(request, "accounts/locked.html", {"code": code, "minutes": _minutes(), "seconds": delay}, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginAttemptHandler(AxesDatabaseHandler):
    """axes' database handler, plus a per-user delay.

    axes locks a user out per user *and* client (AXES_LOCKOUT_PARAMETERS),
    so failures from one address never lock the user out elsewhere. Across
    all clients the failures of one user only earn a short delay: after
    LOGIN_DELAY_AFTER_FAILURES of them (within the cool-off), every further
    attempt waits LOGIN_DELAY_SECONDS after the last failure, doubled per
    failure, at most LOGIN_DELAY_MAX_SECONDS. An attempt refused for the
    delay checks no password and counts no failure."""

    def is_allowed(self, request, credentials=None) -> bool:
        if not super().is_allowed(request, credentials):
            return False
        wait = login_delay(get_client_username(request, credentials), now=request.axes_attempt_time)
        if wait:
            request.axes_login_delay = wait
            return False
        return True

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and getattr(request, "axes_login_delay", 0):
            request.axes_locked_out = True  # answered by lockout_response; not a failure
            return None
        return super().user_login_failed(sender, credentials, request, **kwargs)


def login_delay(username: str | None, *, now) -> int:
    """Seconds the user's next attempt must wait, from every client's failures."""
    if not username:
        return 0
    seen = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time"),
    )
    over = (seen["failures"] or 0) - settings.LOGIN_DELAY_AFTER_FAILURES
    if over < 0 or seen["last"] is None:
        return 0
    delay = min(settings.LOGIN_DELAY_SECONDS * 2 ** min(over, 30), settings.LOGIN_DELAY_MAX_SECONDS)
    return max(0, math.ceil((seen["last"] - now).total_seconds() + delay))
