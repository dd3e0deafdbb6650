"""Every staff page is behind a login and a permission check (never a role name)."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def forbidden(request):
    return render(request, "ui/403.html", status=403)


def permission_required(*perms: str, any_of: bool = False):
    """The user must hold every permission (or one of them, with any_of)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            user = request.user
            allowed = any(user.has_perm(p) for p in perms) if any_of else user.has_perms(perms)
            if not allowed:
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
