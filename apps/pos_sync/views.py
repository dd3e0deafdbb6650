"""The review queue: offline sales that conflicted (oversold, price
mismatch, stale, unknown customer) and operations that were rejected, each
resolved by a manager with a note."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.pos_sync.models import ReviewItem
from apps.pos_sync.services import review_item_resolve
from apps.ui.labels import choices, error_text
from apps.ui.permissions import permission_required

RESOLVE = "accounts.resolve_review"


@permission_required(RESOLVE)
def review_list(request):
    status = request.GET.get("status", ReviewItem.Status.OPEN)
    kind = request.GET.get("kind", "")
    entries = ReviewItem.objects.select_related("device__terminal__branch", "sale__branch", "item", "operation", "resolved_by")
    if status in ReviewItem.Status.values:
        entries = entries.filter(status=status)
    if kind in ReviewItem.Kind.values:
        entries = entries.filter(kind=kind)
    entries = entries.order_by("-created_at") if status == ReviewItem.Status.RESOLVED else entries.order_by("created_at")
    page = Paginator(entries, 25).get_page(request.GET.get("page"))
    return render(request, "pos_sync/review_list.html", {
        "page": page, "status": status, "kind": kind, "statuses": choices("review_status"), "kinds": choices("review_kind"),
    })


@require_POST
@permission_required(RESOLVE)
def review_resolve(request, review_id):
    entry = get_object_or_404(ReviewItem, pk=review_id)
    try:
        review_item_resolve(item=entry, actor=request.user, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Resolved."))
    return redirect("ui:review-list")
