"""The one answer when PostgreSQL cannot be reached: `503
temporarily_unavailable` with `Retry-After`, on every host and path.

Django turns every exception that escapes a view or a middleware (the tenant
lookup, sessions, authentication, axes) into a call of the URL conf's
`handler500` (apps.core.views.json_or_html_500); DRF hands the exceptions of
API views to apps.core.exception_handler. Both ask `database_unavailable` and
answer with `database_unavailable_response`, so the body is the same
wherever the database went away. The health checks answer on their own
(apps.core.views.readyz).

Once PostgreSQL is back, the next request works: Django closes a
connection that raised at the end of its request, and the connection
health check (CONN_HEALTH_CHECKS, config/settings/base.py) replaces one that
broke while its thread was idle before it is used."""
from django.conf import settings
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from psycopg import InterfaceError as PgInterfaceError
from psycopg import OperationalError as PgOperationalError

from apps.core.errors import error_response

# Connection refused or lost, server shutting down or starting up, a lock or
# statement timeout, a deadlock: the request may succeed if sent again.
# django-tenants sets the search_path on the raw psycopg cursor, so psycopg's
# own classes arrive unwrapped.
UNAVAILABLE = (DjangoOperationalError, DjangoInterfaceError, PgOperationalError, PgInterfaceError)
MESSAGE = "The database is unavailable right now; retry shortly."


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an exception it was raised from, says the database
    cannot be used right now."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UNAVAILABLE):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable_response(request):
    """JSON under /api/, a short page in the browser's language elsewhere
    (the user's own setting is in the database that is down)."""
    retry_after = {"Retry-After": str(settings.DATABASE_RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        return error_response("temporarily_unavailable", MESSAGE, status=503, headers=retry_after)
    with translation.override(translation.get_language_from_request(request)):
        page = render_to_string("core/unavailable.html", {
            "path": request.path if request.method in ("GET", "HEAD") else "",
            "language": translation.get_language(), "rtl": translation.get_language_bidi(),
        })
    return HttpResponse(page, status=503, headers=retry_after)
