"""
What a worker does when its broker connection comes back after a loss.

With late acknowledgement, the messages a worker holds (the task running,
the one prefetched, retries waiting for their countdown) sit in Redis'
"unacked" set until the worker acknowledges them. When the connection
drops, Celery stops those tasks and kombu closes the channel, which gives
the held messages back to the queue (`QoS.restore_unacked`): but the broker
is the thing that is gone, so that fails, and Redis would only hand them
out again after the visibility timeout (`CELERY_VISIBILITY_TIMEOUT`).

So the worker's `Consumer` takes the held delivery tags off the dead channel
when the connection drops (which also spares kombu a restore attempt that,
with no connection left, can crash the worker: "Unrecoverable error:
AttributeError ... 'hostname'"), and `BrokerRecovery`, a consumer bootstep,
puts them back at the head of their queues as soon as the worker is
connected again. A tag already acknowledged, or given back by someone else,
is no longer in "unacked" and is skipped. A task may thus run again after an
outage; every task is idempotent (apps.core.consumers), so its effect still
happens once.

Then it asks for an outbox sweep, with no grace, of every shop the database
shows with unpublished events (what the broker missed while it was down: those
hand-offs could not even mark their shop dirty), instead of waiting for
beat's full check: once per OUTBOX_SWEEP_SECONDS however many workers
reconnect (a key on the broker).
"""
import logging

from celery import bootsteps
from celery.worker.consumer import Consumer as CeleryConsumer

logger = logging.getLogger(__name__)

RECOVERY_SWEEP_KEY = "outbox:recovery-sweep"


def messages_give_back(*, tags: list[str], qos) -> None:
    """Puts the messages held under `tags` back at the head of their queues,
    through `qos` (a live channel's)."""
    for tag in tags:
        qos.restore_by_tag(tag, leftmost=True)
    logger.warning("Broker connection restored: %d held message(s) given back to the queue.", len(tags))


def recovery_sweep_send(app, client) -> bool:
    """Sends a full check that sweeps, with no grace (everything the broker
    missed is older than the hand-offs to come), each shop with unpublished
    events, unless another worker of this queue just did: a key on the
    broker itself (`client`) decides."""
    from django.conf import settings

    key = f"{RECOVERY_SWEEP_KEY}:{app.conf.task_default_queue}"
    if not client.set(key, 1, nx=True, ex=settings.OUTBOX_SWEEP_SECONDS):
        return False
    app.send_task("core.fan_out", kwargs={"task_name": "core.outbox_sweep", "expires": settings.OUTBOX_SWEEP_EXPIRES,
                                          "kwargs": {"grace_seconds": 0}, "only": "outbox_backlog"})
    logger.warning("Broker connection restored: an outbox sweep sent for every shop with unpublished events.")
    return True


def _through_dead_channel(delivery_tag, requeue=False) -> None:
    logger.info("Not acknowledging %s through the lost connection: it is given back on reconnection.", delivery_tag)


class Consumer(CeleryConsumer):
    """Celery's consumer, keeping what it held when the connection dropped.

    From then on the dead channel's acknowledgements and rejections go
    nowhere: a task stopped (or finished) after the drop would otherwise
    acknowledge through a channel with no connection and crash the worker
    ("Unrecoverable error: AttributeError ... 'client'"). Its message is
    given back instead and runs again, which does nothing a second time."""

    held_tags: tuple = ()

    def on_connection_error_after_connected(self, exc):
        qos = getattr(getattr(self.task_consumer, "channel", None), "qos", None)
        if qos is not None:
            delivered = getattr(qos, "_delivered", None) or {}
            self.held_tags = (*self.held_tags, *delivered)
            if delivered:
                delivered.clear()  # kombu's own give-back on close would need the lost connection
            qos.ack = qos.reject = _through_dead_channel
        super().on_connection_error_after_connected(exc)


class BrokerRecovery(bootsteps.StartStopStep):
    """Runs each time the worker's consumer (re)connects to the broker."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c, **kwargs):
        super().__init__(c, **kwargs)
        self.connected_before = False

    def start(self, c):
        reconnected, self.connected_before = self.connected_before, True
        tags, c.held_tags = tuple(getattr(c, "held_tags", ())), ()
        if not tags and not reconnected:
            return
        # A connection of its own: the consumer's is busy polling (BRPOP), and
        # a command sent on it would mix up the replies.
        try:
            with c.app.connection_for_write() as connection:
                channel = connection.default_channel
                if tags:
                    messages_give_back(tags=list(tags), qos=channel.qos)
                if reconnected:
                    recovery_sweep_send(c.app, channel.client)
        except Exception:  # noqa: BLE001 - kept for the next connection; the visibility timeout and beat are the backstop
            c.held_tags = (*tags, *c.held_tags)
            logger.exception("Could not give held messages back or sweep after a reconnection.")
