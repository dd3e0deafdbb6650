"""
What a worker does when its broker connection comes back after a loss.

With late acknowledgement, the messages a worker holds (the task running,
the one prefetched, retries waiting for their countdown) sit in Redis'
"unacked" set until the worker acknowledges them. When the connection
drops, Celery stops those tasks and kombu closes the channel, which gives
the held messages back to the queue (`QoS.restore_unacked`): but the broker
is the thing that is gone, so that fails, and Redis would only hand them
out again after the visibility timeout (`CELERY_VISIBILITY_TIMEOUT`).

`BrokerRecovery`, a consumer bootstep, finishes that give-back as soon as
the worker is connected again: the old channel still lists the delivery
tags it held, and each is put back at the head of its queue (a tag already
acknowledged, or given back by someone else, is not in "unacked" any more
and is skipped). A task may thus run again after an outage; every task is
idempotent (apps.core.consumers), so its effect still happens once.

Then it asks for an outbox sweep of every shop at once (what the broker
missed while it was down), instead of waiting for beat: once per
OUTBOX_SWEEP_SECONDS however many workers reconnect (a key on the broker).
"""
import logging

from celery import bootsteps

logger = logging.getLogger(__name__)

RECOVERY_SWEEP_KEY = "outbox:recovery-sweep"


def held_tags(qos) -> list[str]:
    """The delivery tags a (closed) channel's QoS still lists as unacknowledged."""
    return list(getattr(qos, "_delivered", None) or ())


def messages_give_back(*, old_qos, qos) -> int:
    """Puts the messages `old_qos` held back at the head of their queues,
    through `qos` (a live channel). Returns how many tags it tried."""
    tags = held_tags(old_qos)
    for tag in tags:
        qos.restore_by_tag(tag, leftmost=True)
    if tags:
        old_qos._delivered.clear()  # given back: the old channel must not try again
        logger.warning("Broker connection restored: %d held message(s) given back to the queue.", len(tags))
    return len(tags)


def recovery_sweep_send(app, client) -> bool:
    """Sends one outbox sweep per shop, with no grace (everything the broker
    missed is older than the hand-offs to come), unless another worker of
    this queue just did: a key on the broker itself (`client`) decides."""
    from django.conf import settings

    key = f"{RECOVERY_SWEEP_KEY}:{app.conf.task_default_queue}"
    if not client.set(key, 1, nx=True, ex=settings.OUTBOX_SWEEP_SECONDS):
        return False
    app.send_task("core.fan_out", kwargs={"task_name": "core.outbox_sweep", "expires": settings.OUTBOX_SWEEP_EXPIRES,
                                          "kwargs": {"grace_seconds": 0}})
    logger.warning("Broker connection restored: an outbox sweep sent for every shop.")
    return True


class BrokerRecovery(bootsteps.StartStopStep):
    """Runs each time the worker's consumer (re)connects to the broker."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c, **kwargs):
        super().__init__(c, **kwargs)
        self.qos = None  # the task channel's QoS of the last connection

    def start(self, c):
        old_qos, self.qos = self.qos, c.task_consumer.channel.qos
        if old_qos is None:
            return  # the first connection: nothing was held before
        try:
            messages_give_back(old_qos=old_qos, qos=self.qos)
        except Exception:  # noqa: BLE001 - the visibility timeout still redelivers them
            logger.exception("Could not give held messages back after a reconnection.")
        try:
            recovery_sweep_send(c.app, self.qos.channel.client)
        except Exception:  # noqa: BLE001 - beat sweeps every OUTBOX_SWEEP_SECONDS anyway
            logger.exception("Could not send the outbox sweep after a reconnection.")
