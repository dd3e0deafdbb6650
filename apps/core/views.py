"""Health checks and the error pages every host shares."""
import sys

from django.db import connection
from django.http import HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.views import defaults
from django_redis import get_redis_connection

from apps.core.errors import error_response
from apps.core.unavailable import database_unavailable, database_unavailable_response


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    get_redis_connection("default").ping()
    return "ok"


READINESS_CHECKS = {"database": _check_database, "redis": _check_redis}


def healthz(request):
    """The process is up; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready to serve: PostgreSQL and Redis both answer."""
    checks, ready = {}, True
    for name, check in READINESS_CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means "not ready", named
            checks[name] = f"unavailable: {exc.__class__.__name__}"
            ready = False
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def not_found(request, message: str = "Not found."):
    """A plain 404: JSON under /api/, a short text page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response("not_found", message, status=404)
    return HttpResponseNotFound("<!doctype html><title>Not found</title><h1>Not found</h1>", content_type="text/html")


# The error handlers of every URL conf (config/urls_tenant.py, urls_public.py):
# the one error body under /api/, Django's pages elsewhere.


def json_or_html_400(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response("bad_request", "The request is not valid.", status=400)
    return defaults.bad_request(request, exception)


def json_or_html_403(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response("permission_denied", "You do not have permission to perform this action.", status=403)
    return defaults.permission_denied(request, exception)


def json_or_html_404(request, exception=None):
    return not_found(request)


def json_or_html_500(request):
    """Every exception no view handled ends here, from any middleware too:
    the database being unreachable is a 503 the client may retry."""
    if database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    if request.path.startswith("/api/"):
        return error_response("server_error", "An unexpected error occurred.", status=500)
    return HttpResponseServerError("<!doctype html><title>Server error</title><h1>Server error</h1>")
