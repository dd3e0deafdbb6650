"""Background tasks of the sales app (thin: they call a service)."""
from apps.core.consumers import events_consume
from apps.core.tasks import BackgroundTask
from config.celery_app import app


# The name is what relayed messages carry (apps.core.consumers): it stays
# "customers.loyalty_events" from when loyalty lived in customers.
@app.task(base=BackgroundTask, name="customers.loyalty_events")
def loyalty_events_task(event_ids: list[str]) -> int:
    """Loyalty points for sale events (earned, taken back); once per event."""
    from apps.sales.loyalty import CONSUMER, loyalty_event_concerns, loyalty_event_handle

    return events_consume(consumer=CONSUMER, event_ids=event_ids, handle=loyalty_event_handle, concerns=loyalty_event_concerns)
