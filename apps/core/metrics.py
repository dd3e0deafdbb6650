"""
Prometheus metrics (docs/operations.md, "Metrics and logs").

Two kinds, kept apart on purpose:

- Per process, counted where things happen: request latency (the
  observability middleware) and POS operations by outcome (the push). Under
  gunicorn they are written to files in PROMETHEUS_MULTIPROC_DIR
  (config/gunicorn.py) and summed over the pod's workers at the scrape.
- Cluster-wide, read at the scrape by `ClusterCollector`: Celery queue depth
  (Redis LLEN), open dead letters (one query on the public schema, where they
  all live) and the outbox backlog. None of them costs a query per shop: the
  outbox backlog is what each shop's sweep last left behind, kept in Redis
  with a running total (`outbox_backlog_publish`): three reads per scrape.

Labels never carry a shop or a raw path: 10,000 shops would make 10,000
series per metric. Shops are in the logs (apps.core.request_context).
"""
import hmac
import logging
import os
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

from apps.core.errors import error_response

logger = logging.getLogger(__name__)

HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNMATCHED_ROUTE = "<unmatched>"  # refused before URL resolution (unknown host, input guard, suspended shop)

http_request_duration = Histogram(
    "zargar_http_request_duration_seconds",
    "Time from the first middleware receiving a request to its response, by URL pattern.",
    ["route", "method", "status"],
)
pos_operations = Counter(
    "zargar_pos_operations",
    "POS push operations by result (applied, duplicate, rejected, retry); only pushes that committed.",
    ["type", "outcome"],
)
POS_OPERATION_TYPES = {"sale.create", "customer.create", "sale.void", "return.create"}


def http_request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    http_request_duration.labels(
        route=route or UNMATCHED_ROUTE, method=method if method in HTTP_METHODS else "other", status=f"{status // 100}xx",
    ).observe(seconds)


def pos_operations_count(*, types: dict[str, str], results: list[dict]) -> None:
    """Counts a committed push's results by type (`types`: op_id -> type;
    types outside the protocol count as "other") and outcome."""
    for result in results:
        op_type = types.get(result["op_id"])
        pos_operations.labels(type=op_type if op_type in POS_OPERATION_TYPES else "other", outcome=result["status"]).inc()


# --------------------------------------------------------------------------
# The outbox backlog, as the sweeps leave it
# --------------------------------------------------------------------------


def _backlog_keys() -> tuple[str, str, str]:
    """Per shop's count (hash), the total (integer), per shop's oldest
    event (sorted set); one hash tag, so one Redis Cluster slot."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    tag = "{" + prefix + ":metrics:outbox}"
    return f"{tag}:unpublished", f"{tag}:total", f"{tag}:oldest"


# Keeps the total equal to the sum of the hash, so the scrape reads three
# values whatever the number of shops (10,000 shops with a backlog: scraping
# the hash itself took 120 ms; docs/operations.md).
_PUBLISH = """
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local new = tonumber(ARGV[2])
if new > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], new)
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return redis.call('INCRBY', KEYS[2], new - old)
"""


def outbox_backlog_publish(*, schema_name: str, unpublished: int, oldest) -> None:
    """Records what one shop's sweep left unpublished (`oldest`: the oldest
    such event's creation time). A shop with nothing left leaves the set, so
    only shops with a backlog are kept. Never raises: metrics must not fail
    the sweep."""
    from django_redis import get_redis_connection

    try:
        client = get_redis_connection("default")
        client.eval(_PUBLISH, 3, *_backlog_keys(), schema_name, int(unpublished), oldest.timestamp() if unpublished else 0)
    except Exception:  # Redis down: the next sweep records it
        logger.warning("Could not record the outbox backlog of %s", schema_name, exc_info=True)


# --------------------------------------------------------------------------
# Cluster-wide gauges, read at the scrape
# --------------------------------------------------------------------------


_broker_client = None


def _broker():
    import redis

    global _broker_client
    if _broker_client is None:
        _broker_client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    return _broker_client


def celery_queue_lengths(queues: list[str]) -> dict[str, int]:
    """Messages waiting in each Celery queue on the Redis broker. Kombu keeps
    one Redis list per priority step ("<queue>\\x06\\x16<step>" for steps
    above 0); the outbox sends consumer batches at a lower priority, so all
    of them are counted."""
    from kombu.transport.redis import PRIORITY_STEPS, Channel

    keys = [(queue, f"{queue}{Channel.sep}{step}" if step else queue) for queue in queues for step in PRIORITY_STEPS]
    pipe = _broker().pipeline(transaction=False)
    for _queue, key in keys:
        pipe.llen(key)
    lengths = dict.fromkeys(queues, 0)
    for (queue, _key), length in zip(keys, pipe.execute()):
        lengths[queue] += length
    return lengths


def _celery(families: list) -> None:
    queue = GaugeMetricFamily("zargar_celery_queue_length", "Tasks waiting in a Celery queue (all priorities).", labels=["queue"])
    for name, length in celery_queue_lengths(settings.METRICS_CELERY_QUEUES).items():
        queue.add_metric([name], length)
    families.append(queue)
    # Kombu's hash of delivered, unacknowledged messages (late acks: the tasks running now).
    from kombu.transport.redis import Channel

    unacked = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("unacked_key", Channel.unacked_key)
    families.append(GaugeMetricFamily("zargar_celery_unacked_tasks", "Tasks taken by a worker and not yet acknowledged.",
                                      value=_broker().hlen(unacked)))


def _dead_letters(families: list) -> None:
    from django.db import connection, transaction
    from django.db.models import Count
    from django_tenants.utils import get_public_schema_name, schema_context

    from apps.core.models import DeadLetter

    with schema_context(get_public_schema_name()), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 2000")
        rows = DeadLetter.objects.filter(resolved=False).values_list("task_name").annotate(n=Count("id")).order_by()
        family = GaugeMetricFamily("zargar_dead_letters_open", "Tasks that failed their last retry, not yet resolved, by task.",
                                   labels=["task"])
        for task_name, count in rows:
            family.add_metric([task_name], count)
    families.append(family)


def _outbox(families: list) -> None:
    from django_redis import get_redis_connection

    _counts, total_key, oldest_key = _backlog_keys()
    pipe = get_redis_connection("default").pipeline(transaction=False)
    pipe.get(total_key).zcard(oldest_key).zrange(oldest_key, 0, 0, withscores=True)
    total, shops, oldest = pipe.execute()
    families.append(GaugeMetricFamily("zargar_outbox_unpublished_events",
                                      "Outbox events left unpublished by each shop's last sweep, summed.", value=int(total or 0)))
    families.append(GaugeMetricFamily("zargar_outbox_backlog_shops", "Shops whose last sweep left events unpublished.", value=shops))
    families.append(GaugeMetricFamily("zargar_outbox_oldest_unpublished_age_seconds",
                                      "Age of the oldest event a sweep left unpublished (0: none).",
                                      value=max(0.0, time.time() - oldest[0][1]) if oldest else 0.0))


SOURCES = {"broker": _celery, "database": _dead_letters, "redis": _outbox}


class ClusterCollector:
    """The cluster-wide gauges; a part that cannot be read is reported as
    zargar_metrics_source_up{source=...} 0 instead of failing the scrape."""

    def collect(self):
        families: list = []
        up = GaugeMetricFamily("zargar_metrics_source_up", "1 if the scrape could read this source.", labels=["source"])
        for source, read in SOURCES.items():
            found: list = []
            try:
                read(found)
            except Exception:  # whatever is down, the scrape answers
                logger.warning("Metrics: could not read %s", source, exc_info=True)
                up.add_metric([source], 0)
            else:
                families.extend(found)
                up.add_metric([source], 1)
        return [*families, up]


# --------------------------------------------------------------------------
# The scrape
# --------------------------------------------------------------------------


def scrape_registry() -> CollectorRegistry:
    """This process's metrics (or, under gunicorn, all its workers') plus the
    cluster-wide gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(ClusterCollector())
    return registry


class _ProcessMetrics:
    """The default registry's metrics, without registering them twice."""

    def collect(self):
        return REGISTRY.collect()


def metrics_response(request) -> HttpResponse:
    """`/metrics`: 404 unless METRICS_TOKEN is set, then only with
    `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time)."""
    token = settings.METRICS_TOKEN
    if not token:
        return error_response("not_found", "Not found.", status=404)
    if request.method not in ("GET", "HEAD"):
        return error_response("method_not_allowed", "Only GET reads the metrics.", status=405, headers={"Allow": "GET, HEAD"})
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return error_response("not_authenticated", "The metrics need a bearer token.", status=401,
                              headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return error_response("permission_denied", "This token does not read the metrics.", status=403)
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
