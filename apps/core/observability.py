"""
The first middleware: serves `/metrics`, gives the request its id, times it.

`/metrics` is answered here, before any other middleware: Prometheus scrapes
a pod by its IP, which no ALLOWED_HOSTS lists and which has no shop, and
over plain HTTP, which SECURE_SSL_REDIRECT would redirect. The token is all
that guards it (apps.core.metrics.metrics_response).

Every other request is timed from here to its response (so refusals by the
input guard or the host routing count too) and recorded under its URL
pattern, never its path; then one access log line (not for the probes).
"""
import logging
import time

from apps.core import metrics
from apps.core.request_context import request_id_for, request_id_var, request_var

logger = logging.getLogger("zargar.access")

METRICS_PATH = "/metrics"
QUIET_PATHS = {"/healthz", "/readyz"}  # probes every few seconds: timed, not logged


class ObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request.headers.get("X-Request-ID"))
        tokens = request_id_var.set(request_id), request_var.set(request)
        try:
            if request.path == METRICS_PATH:
                response = metrics.metrics_response(request)
            else:
                response = self._timed(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(tokens[0])
            request_var.reset(tokens[1])

    def _timed(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else ""
        metrics.http_request_observe(route=route, method=request.method, status=response.status_code, seconds=seconds)
        if request.path not in QUIET_PATHS:
            logger.info(
                "%s %s %s %.1fms", request.method, request.path, response.status_code, seconds * 1000,
                extra={"method": request.method, "path": request.path, "route": route or metrics.UNMATCHED_ROUTE,
                       "status": response.status_code, "duration_ms": round(seconds * 1000, 1)},
            )
        return response
