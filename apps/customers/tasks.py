"""Background tasks of the customers app (thin: they call a service)."""
from apps.core.consumers import events_consume
from apps.core.tasks import BackgroundTask
from config.celery_app import app


@app.task(base=BackgroundTask, name="customers.loyalty_events")
def loyalty_events_task(event_ids: list[str]) -> int:
    """Loyalty points for sale events (earned, taken back); once per event."""
    from apps.customers.loyalty import CONSUMER, loyalty_event_concerns, loyalty_event_handle

    return events_consume(consumer=CONSUMER, event_ids=event_ids, handle=loyalty_event_handle, concerns=loyalty_event_concerns)
