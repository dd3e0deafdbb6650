"""The review page's fixes (apps.sales.review_fixes): each a POST from the
entry's form, checked at the edge, refused input shown on the form."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError
from apps.review.forms import PriceAcceptForm, SaleVoidForm, StockCountForm
from apps.review.models import ReviewItem
from apps.review.services import RESOLVE_PERMISSION
from apps.review.views import refused, review_page
from apps.sales import review_fixes
from apps.ui.permissions import permission_required


def _fix(request, review_id, *, fix: str, form_class, apply, done: str):
    entry = get_object_or_404(ReviewItem.objects.select_related("sale", "item"), pk=review_id)
    form = form_class(request.POST, entry=entry)
    if not form.is_valid():
        return review_page(request, failed=(entry.pk, fix, form), status=400)
    try:
        apply(entry=entry, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        return refused(request, fix=fix, form=form, exc=exc)
    messages.success(request, done)
    return redirect("ui:review-list")


@require_POST
@permission_required(RESOLVE_PERMISSION, review_fixes.STOCK_PERMISSION)
def review_stock_count(request, review_id):
    return _fix(request, review_id, fix="stock_counted", form_class=StockCountForm, apply=review_fixes.review_stock_count,
                done=_("The stock is set to the count and the entry is resolved."))


@require_POST
@permission_required(RESOLVE_PERMISSION)
def review_price_accept(request, review_id):
    return _fix(request, review_id, fix="price_accepted", form_class=PriceAcceptForm, apply=review_fixes.review_price_accept,
                done=_("The price is accepted and the entry is resolved."))


@require_POST
@permission_required(RESOLVE_PERMISSION, review_fixes.VOID_PERMISSION)
def review_sale_void(request, review_id):
    return _fix(request, review_id, fix="sale_voided", form_class=SaleVoidForm, apply=review_fixes.review_sale_void,
                done=_("The sale is voided, its pieces are back in stock, and the entry is resolved."))
