"""
Telling managers about the review queue: one e-mail per round listing the
open review items that appeared since the last round, to every active user
who may resolve them (accounts.resolve_review).

Each round records the moment it covered up to (a JobRun), so an item is
announced once. Items younger than REVIEW_NOTIFY_SETTLE_SECONDS wait for the
next round: a push that wrote one may not have committed yet, and an item
committed later with an earlier time stamp would otherwise be skipped.
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core.jobs import job_run_record
from apps.core.models import JobRun
from apps.core.shopwork import WorkFilter
from apps.review.models import ReviewItem

PERMISSION = ("accounts", "resolve_review")
MAX_LISTED = 50


def review_recipients() -> list[str]:
    """E-mail addresses of the shop's active users allowed to resolve reviews."""
    app_label, codename = PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    allowed = Q(is_superuser=True)
    if permission is not None:
        allowed |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    users = get_user_model().objects.filter(allowed, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _since() -> datetime | None:
    last = JobRun.objects.filter(job=JobRun.Job.REVIEW_NOTIFICATION, ok=True).order_by("-started_at", "-id").first()
    return parse_datetime(last.result["until"]) if last and last.result.get("until") else None


def _line(item) -> str:
    what = item.get_kind_display()
    about = item.details.get("sku") or item.details.get("item_id") or item.sale_id or item.item_id or ""
    return f"- {timezone.localtime(item.created_at):%Y-%m-%d %H:%M} {what}{f' ({about})' if about else ''}"


def review_notify(*, settle: timedelta | None = None) -> JobRun | None:
    """Sends this round's e-mail, if there is anything new. Returns the run
    recorded, or None when nothing new appeared."""
    settle = timedelta(seconds=settings.REVIEW_NOTIFY_SETTLE_SECONDS) if settle is None else settle
    started = timezone.now()
    until = started - settle
    with transaction.atomic():
        # One round at a time per shop: a second one waits, then finds nothing new.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{connection.schema_name}:review_notify"])
        since = _since()
        items = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN, created_at__lte=until)
        if since is not None:
            items = items.filter(created_at__gt=since)
        items = list(items.order_by("created_at", "id"))
        if not items:
            return None
        recipients = review_recipients()
        shop = getattr(connection, "tenant", None)
        shop_name = getattr(shop, "name", connection.schema_name)
        if recipients:
            lines = [_line(item) for item in items[:MAX_LISTED]]
            if len(items) > MAX_LISTED:
                lines.append(f"... and {len(items) - MAX_LISTED} more.")
            send_mail(
                subject=f"[{shop_name}] {len(items)} new item(s) to review",
                message="These need a manager's decision (Review queue):\n\n" + "\n".join(lines) + "\n",
                from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=recipients,
            )
        return job_run_record(
            job=JobRun.Job.REVIEW_NOTIFICATION, started_at=started,
            result={"until": until.isoformat(), "items": len(items), "recipients": recipients,
                    "item_ids": [str(item.pk) for item in items[:MAX_LISTED]]},
        )


def review_new_filter(*, now, kwargs: dict) -> WorkFilter:
    """Shop work filter (settings.SHOP_WORK_FILTERS): open items created in
    the last REVIEW_NOTIFY_LOOKBACK_HOURS, on the index (status, created_at).
    A round finds nothing new in a shop whose items were all announced; the
    look-back is far longer than a round, so rounds lost for hours are made up."""
    since = now - timedelta(hours=settings.REVIEW_NOTIFY_LOOKBACK_HOURS)
    return WorkFilter(table=ReviewItem._meta.db_table, condition="status = %(open)s AND created_at > %(since)s",
                      params={"open": ReviewItem.Status.OPEN.value, "since": since})
