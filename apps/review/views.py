"""The review queue: offline sales that conflicted (oversold, price
mismatch, stale, unknown customer), operations that were rejected and what
background jobs found (stock drift, points that could not be taken back),
each resolved by a manager with a note."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.review import services
from apps.review.models import ReviewItem
from apps.review.selectors import review_list as review_entries
from apps.ui.labels import choices, error_text
from apps.ui.permissions import permission_required

RESOLVE = services.RESOLVE_PERMISSION


@permission_required(RESOLVE)
def review_list(request):
    status = request.GET.get("status", ReviewItem.Status.OPEN)
    kind = request.GET.get("kind", "")
    page = Paginator(review_entries(status=status, kind=kind), 25).get_page(request.GET.get("page"))
    return render(request, "review/review_list.html", {
        "page": page, "status": status, "kind": kind, "statuses": choices("review_status"), "kinds": choices("review_kind"),
    })


@require_POST
@permission_required(RESOLVE)
def review_resolve(request, review_id):
    entry = get_object_or_404(ReviewItem, pk=review_id)
    try:
        services.review_resolve(item=entry, actor=request.user, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Resolved."))
    return redirect("ui:review-list")
