"""
Stock reconciliation: every item's on-hand quantity against the sum of its
stock ledger, and pieces sold below zero.

It only reports. A difference means something wrote stock around the ledger
(or the ledger around the stock); which side is right is a manager's call, so
the job opens a review item (kind stock_drift, or oversold) and NEVER changes
a quantity. One open review item per item and kind: the next runs do not pile
up duplicates while the first is waiting for a manager.
"""
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.ids import ledger_id_floor
from apps.core.jobs import job_run_record
from apps.core.models import JobRun
from apps.core.shopwork import WorkFilter
from apps.inventory.models import Item, StockMovement
from apps.review.models import ReviewItem
from apps.review.selectors import review_open_item_kinds
from apps.review.services import review_open_many

LISTED = 100  # items named in the run's record; the counts cover all


def stock_reconcile() -> JobRun:
    """Checks the current shop's stock; returns the recorded run."""
    started = timezone.now()
    # One statement: a sale commits its quantity and its ledger rows together,
    # so one snapshot never shows a half-written sale as drift.
    suspects = list(
        Item.objects.annotate(ledger=Coalesce(Sum("movements__quantity_delta"), 0))
        .filter(~Q(quantity=F("ledger")) | Q(quantity__lt=0))
        .order_by("sku")
        .values("id", "sku", "branch_id", "quantity", "ledger")
    )
    checked = Item.objects.count()
    drift = [row for row in suspects if row["quantity"] != row["ledger"]]
    oversold = [row for row in suspects if row["quantity"] < 0]

    open_reviews = review_open_item_kinds(item_ids=[row["id"] for row in suspects],
                                          kinds=[ReviewItem.Kind.STOCK_DRIFT, ReviewItem.Kind.OVERSOLD])
    new_reviews = []
    for kind, rows in ((ReviewItem.Kind.STOCK_DRIFT, drift), (ReviewItem.Kind.OVERSOLD, oversold)):
        for row in rows:
            if (row["id"], kind) in open_reviews:
                continue
            new_reviews.append(ReviewItem(
                kind=kind, item_id=row["id"],
                details={"source": "reconciliation", "sku": row["sku"], "item_id": str(row["id"]), "quantity": row["quantity"],
                         "ledger_sum": row["ledger"], "difference": row["quantity"] - row["ledger"]},
            ))
    review_open_many(items=new_reviews)

    def listed(rows):
        return [{"sku": r["sku"], "quantity": r["quantity"], "ledger_sum": r["ledger"]} for r in rows[:LISTED]]

    return job_run_record(
        job=JobRun.Job.STOCK_RECONCILIATION, started_at=started,
        result={"clean": not drift and not oversold, "items_checked": checked, "drift": len(drift), "oversold": len(oversold), "reviews_opened": len(new_reviews),
                "drift_items": listed(drift), "oversold_items": listed(oversold)},
    )


def stock_moved_filter(*, now, kwargs: dict) -> WorkFilter:
    """Shop work filter (settings.SHOP_WORK_FILTERS) of the hourly run: stock
    moved in the last STOCK_RECONCILE_ACTIVE_MINUTES (two rounds, so a lost
    round is made up), on the ledger's primary key (UUIDv7, time first). Every
    shop is still checked once a day (the beat schedule): drift written around
    the ledger moves no stock."""
    since = now - timedelta(minutes=settings.STOCK_RECONCILE_ACTIVE_MINUTES)
    return WorkFilter(table=StockMovement._meta.db_table, condition="id >= %(since)s AND id < %(until)s",
                      params={"since": ledger_id_floor(since), "until": ledger_id_floor(now + timedelta(days=1))})
