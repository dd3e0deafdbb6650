"""django-axes hooks: which name a login attempt is counted against, and
what a locked-out user sees (JSON on the API, a page elsewhere)."""
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from apps.core.errors import error_body


# The login forms accept an e-mail this long (the user's field); axes keeps
# at most 255 characters of the name an attempt is counted against.
EMAIL_MAX_LENGTH = 254
AXES_USERNAME_MAX_LENGTH = 255


def attempt_username(request, credentials) -> str:
    """The e-mail tried: the UI's form says `username`, the token API `email`.
    Cut to what axes stores, should a caller ever pass a longer one."""
    credentials = credentials or {}
    name = credentials.get("username") or credentials.get("email")
    if not name and request is not None:
        data = getattr(request, "POST", None) or {}
        name = data.get("username") or data.get("email")
    return str(name or "").strip().lower()[:AXES_USERNAME_MAX_LENGTH]


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    message = f"Too many failed logins. Try again in {_minutes()} minutes."
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("account_locked", message), status=429)
    return render(request, "accounts/locked.html", {"minutes": _minutes()}, status=429)
