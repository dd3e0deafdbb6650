"""The review queue: offline sales that conflicted (oversold, price
mismatch, stale, unknown customer), operations that were rejected and what
background jobs found (stock drift, points that could not be taken back),
each shown in the reader's language and resolved by a manager with a note
or by a fix of its cause. The fixes (count the stock, accept the price, void
the sale) call writers above review: their pages are in
apps.sales.review_views, and the fixes this page offers come from the
callable named by settings.REVIEW_FIXES."""
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.review import services
from apps.review.forms import FORMS, NoteForm
from apps.review.models import ReviewItem
from apps.review.presentation import Fact, entry_facts, what_happened
from apps.review.selectors import review_list as review_entries
from apps.ui.forms import form_error
from apps.ui.labels import choices, error_text
from apps.ui.permissions import permission_required

RESOLVE = services.RESOLVE_PERMISSION
FIX_ORDER = ("stock_counted", "price_accepted", "sale_voided", "note")
# Where a service's error code belongs on each form.
ERROR_FIELDS = {"note_required": "note", "note_too_long": "note", "invalid_quantity": "new_quantity",
                "reason_required": "reason", "reason_too_long": "reason"}


# fix -> (URL name, what its button says, whether it undoes a sale)
ACTIONS = {
    "stock_counted": ("ui:review-stock-count", _lazy("Count the stock"), False),
    "price_accepted": ("ui:review-price-accept", _lazy("Accept the price"), False),
    "sale_voided": ("ui:review-sale-void", _lazy("Void the sale"), True),
    "note": ("ui:review-resolve", _lazy("Resolve with a note"), False),
}


@dataclass
class Action:
    fix: str
    form: object
    url: str
    title: str
    danger: bool
    open: bool = False  # its form holds errors
    fields: str = ""  # the blank form's fields, rendered (`_blank_fields`)


@dataclass
class Card:
    entry: ReviewItem
    what: str
    facts: list[Fact]
    actions: list[Action] = field(default_factory=list)


_ENTRY = "__entry__"


def _blank_fields(fix: str, entry, rendered: dict) -> str:
    """A blank form's fields for `entry`: a page holds up to a hundred of
    them, alike but for the entry's id in theirs, so each kind is rendered
    once a page (`rendered`) and the id put in (rendering every field of
    every closed form was most of the page's time: docs/performance.md)."""
    if fix not in rendered:
        form = FORMS[fix](entry=SimpleNamespace(pk=_ENTRY))
        rendered[fix] = render_to_string("review/_fields.html", {"form": form})
    return mark_safe(rendered[fix].replace(_ENTRY, str(entry.pk)))  # noqa: S308 - our own HTML, a UUID put in


def _card(entry, request, fixes_of, failed, rendered: dict) -> Card:
    card = Card(entry=entry, what=what_happened(entry), facts=entry_facts(entry, currency=request.tenant.currency))
    offered = fixes_of(entry, request.user) | {"note"} if entry.status == ReviewItem.Status.OPEN else set()
    mine = failed if failed and failed[0] == entry.pk else None
    for fix in FIX_ORDER:
        if fix in offered or (mine and mine[1] == fix):
            name, title, danger = ACTIONS[fix]
            refused_here = bool(mine and mine[1] == fix)
            card.actions.append(Action(
                fix=fix, form=mine[2] if refused_here else None, url=reverse(name, args=[entry.pk]), title=str(title),
                danger=danger, open=refused_here, fields="" if refused_here else _blank_fields(fix, entry, rendered),
            ))
    return card


def review_page(request, *, failed: tuple | None = None, status: int = 200, error_code: str = "validation_error"):
    """The queue; `failed` = (entry id, fix, bound form with errors) after a
    refused action, shown open on its entry (on top if not on this page)."""
    state = request.GET.get("status", ReviewItem.Status.OPEN)
    kind = request.GET.get("kind", "")
    page = Paginator(review_entries(status=state, kind=kind), 25).get_page(request.GET.get("page"))
    fixes_of = import_string(settings.REVIEW_FIXES)
    rendered: dict[str, str] = {}
    entries = list(page)
    if failed and failed[0] not in {entry.pk for entry in entries}:
        entries.insert(0, failed[2].entry)
    return render(request, "review/review_list.html", {
        "page": page, "cards": [_card(entry, request, fixes_of, failed, rendered) for entry in entries],
        "status": state, "kind": kind, "statuses": choices("review_status"), "kinds": choices("review_kind"),
        "error_code": error_code if failed else "",
    }, status=status)


def refused(request, *, fix: str, form, exc: ApplicationError):
    """A service refused the action: its error on the form, the page again
    (400); an entry resolved meanwhile is said at the top."""
    if exc.code == "review_already_resolved":
        messages.error(request, error_text(exc))
        return redirect("ui:review-list")
    form_error(form, ApplicationError(exc.code, error_text(exc)), ERROR_FIELDS)
    return review_page(request, failed=(form.entry.pk, fix, form), status=exc.status if 400 <= exc.status < 500 else 400,
                       error_code=exc.code)


@permission_required(RESOLVE)
def review_list(request):
    return review_page(request)


@require_POST
@permission_required(RESOLVE)
def review_resolve(request, review_id):
    entry = get_object_or_404(ReviewItem, pk=review_id)
    form = NoteForm(request.POST, entry=entry)
    if not form.is_valid():
        return review_page(request, failed=(entry.pk, "note", form), status=400)
    try:
        services.review_resolve(item=entry, actor=request.user, note=form.cleaned_data["note"])
    except ApplicationError as exc:
        return refused(request, fix="note", form=form, exc=exc)
    messages.success(request, _("Resolved."))
    return redirect("ui:review-list")
