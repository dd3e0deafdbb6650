"""Background tasks of the reports app (thin: they call a service)."""
from apps.core.consumers import events_consume_batch
from apps.core.tasks import BackgroundTask
from config.celery_app import app


@app.task(base=BackgroundTask, name="reports.daily_sales_events")
def daily_sales_events_task(event_ids: list[str]) -> int:
    """Recomputes the daily sales rows the sale events touch."""
    from apps.reports.services import CONSUMER, daily_sales_apply_events

    return events_consume_batch(consumer=CONSUMER, event_ids=event_ids, handle=daily_sales_apply_events)


@app.task(base=BackgroundTask, name="reports.daily_sales_rebuild")
def daily_sales_rebuild_task(days: int = 2) -> int:
    from django.utils import timezone

    from apps.core.jobs import job_run_record
    from apps.core.models import JobRun
    from apps.reports.services import daily_sales_rebuild

    started = timezone.now()
    rows = daily_sales_rebuild(days=days)
    job_run_record(job=JobRun.Job.DAILY_SALES_REBUILD, started_at=started, result={"rows": rows, "days": days})
    return rows
