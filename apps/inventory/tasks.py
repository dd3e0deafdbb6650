"""Background tasks of the inventory app (thin: they call a service)."""
from apps.core.tasks import BackgroundTask
from config.celery_app import app


@app.task(base=BackgroundTask, name="inventory.stock_reconcile")
def stock_reconcile_task() -> dict:
    """Quantities against the ledger; drift and oversold pieces go to review."""
    from apps.inventory.reconciliation import stock_reconcile

    return stock_reconcile().result


@app.task(base=BackgroundTask, name="inventory.gold_rate_import")
def gold_rate_import_task() -> dict:
    """The configured source's rate on this shop's board (settings.GOLD_RATE_IMPORT_SOURCE)."""
    from apps.inventory.rate_sources import gold_rate_import

    return gold_rate_import().result
