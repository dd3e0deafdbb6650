"""Background tasks of the review queue (thin: they call a service)."""
from apps.core.tasks import BackgroundTask
from config.celery_app import app


@app.task(base=BackgroundTask, name="review.notify")
def review_notify_task() -> int:
    """One e-mail to the shop's managers listing the review items that appeared since the last round."""
    from apps.review.notifications import review_notify

    run = review_notify()
    return run.result.get("items", 0) if run else 0
