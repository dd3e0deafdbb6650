"""
What every log line says about where it came from: the request id (from a
valid incoming X-Request-ID, else generated, and echoed in the response),
the shop (in a request, the schema of the shop its host routed to, empty
before routing; elsewhere, the schema the connection is set to, as
tenant-schemas-celery sets it for a task) and, in a Celery task, the task id. A filter on the log handler adds them to each record, so
`logger.info(...)` anywhere needs nothing more; LOG_FORMAT chooses the plain
or the JSON formatter (config/settings: LOGGING).
"""
import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
request_var: contextvars.ContextVar = contextvars.ContextVar("request", default=None)

# What a proxy or client may send as X-Request-ID: short and plain (ingress
# ids, UUIDs). Anything else (too long, spaces, control characters) is
# replaced, since it goes into every log line of the request.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")


def request_id_for(incoming: str | None) -> str:
    if incoming and VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _shop() -> str:
    request = request_var.get()
    if request is not None:  # the connection may still hold the thread's previous request's shop
        tenant = getattr(request, "tenant", None)
        return getattr(tenant, "schema_name", "") or ""
    try:
        from django.db import connection

        return getattr(connection, "schema_name", "") or ""
    except Exception:  # noqa: BLE001 - logging before Django is set up
        return ""


def _task_id() -> str:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a requirement
        return ""
    request = getattr(current_task, "request", None) if current_task else None
    return getattr(request, "id", None) or ""


class RequestContextFilter(logging.Filter):
    """Adds request_id, shop and task_id to every record (empty outside a
    request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        if not getattr(record, "shop", None):
            record.shop = _shop()
        if not getattr(record, "task_id", None):
            record.task_id = _task_id()
        return True


_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the
    context above, any plain `extra=` values, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry and isinstance(value, (str, int, float, bool, type(None))):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
