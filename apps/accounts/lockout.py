"""django-axes hooks: which name a login attempt is counted against, and
what a locked-out user sees (JSON on the API, a page elsewhere)."""
from django.conf import settings
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
    message = f"Too many failed logins. Try again in {_minutes()} minutes."
    if request.path.startswith("/api/"):
        return error_response("account_locked", message, status=429)
    return render(request, "accounts/locked.html", {"minutes": _minutes()}, status=429)
