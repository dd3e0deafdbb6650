"""Health checks and the error pages every host shares."""
from django.db import connection
from django.http import HttpResponseNotFound, JsonResponse
from django_redis import get_redis_connection

from apps.core.errors import error_body


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
        return JsonResponse(error_body("not_found", message), status=404)
    return HttpResponseNotFound("<!doctype html><title>Not found</title><h1>Not found</h1>", content_type="text/html")


def json_or_html_404(request, exception=None):
    return not_found(request)


def json_or_html_500(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "An unexpected error occurred."), status=500)
    from django.http import HttpResponseServerError

    return HttpResponseServerError("<!doctype html><title>Server error</title><h1>Server error</h1>")
