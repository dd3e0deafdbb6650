"""Sales and invoices: the list, an invoice on screen and as a PDF, and a
manager's void. The counter itself: apps.sales.counter_views."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.branches.selectors import branch_list
from apps.core.errors import ApplicationError
from apps.sales.invoice import invoice_content, invoice_pdf
from apps.sales.models import SaleStatus
from apps.sales.reversals import REASON_MAX_LENGTH, sale_void
from apps.sales.selectors import sale_get, sale_rows
from apps.ui import formatting
from apps.ui.dates import DateInputError, parse_local_date
from apps.ui.labels import ERRORS, choices, error_text
from apps.ui.pagination import CappedPaginator
from apps.ui.permissions import permission_required

SELL = "accounts.sell"


# --------------------------------------------------------------------------
# sales and invoices
# --------------------------------------------------------------------------

VIEW_SALES = (SELL, "accounts.view_reports")
SALES_PER_PAGE = 25


@permission_required(*VIEW_SALES, any_of=True)
def sale_list_page(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("search", "status", "date_from", "date_to", "branch_id")}
    wanted = dict(filters)
    for key in ("date_from", "date_to"):  # Jalali or ISO, as the date inputs send them
        try:
            wanted[key] = parse_local_date(filters[key])
        except DateInputError as exc:
            messages.error(request, str(exc))
            wanted[key] = None
    try:
        sales = sale_rows(filters=wanted)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        sales = sale_rows()
    # a million sales are counted no further than a cap
    page = CappedPaginator(sales, SALES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sales/sale_list.html", {
        "page": page, "filters": filters, "branches": list(branch_list()), "statuses": choices("sale_status"),
    })


def _sale(sale_id):
    try:
        return sale_get(sale_id=sale_id)
    except ApplicationError:
        raise Http404 from None


@permission_required(*VIEW_SALES, any_of=True)
def sale_invoice(request, sale_id):
    sale = _sale(sale_id)
    return render(request, "sales/invoice.html", {
        "sale": sale, "shop": request.tenant, "invoice": invoice_content(sale, request.tenant, request.LANGUAGE_CODE),
        "voided": sale.status == SaleStatus.VOIDED,
    })


@require_POST
@permission_required("accounts.void_sale")
def sale_void_page(request, sale_id):
    """Voids the invoice (its pieces go back to stock) with the reason given,
    in two steps: the invoice's form asks for the reason and shows what a
    void does (nothing changes yet); only the confirmation's own form, which
    says `confirm=yes`, voids."""
    sale = _sale(sale_id)
    reason = " ".join(request.POST.get("reason", "").split())
    if request.POST.get("confirm") != "yes" or not reason:
        if sale.status != SaleStatus.COMPLETED:
            messages.error(request, ERRORS["sale_already_voided" if sale.status == SaleStatus.VOIDED else "sale_has_returns"])
        elif not reason:
            messages.error(request, ERRORS["reason_required"])
        elif len(reason) > REASON_MAX_LENGTH:
            messages.error(request, _("Say why in at most %(count)s characters.") % {"count": REASON_MAX_LENGTH})
        else:
            pieces = sum(line.quantity for line in sale.lines.all())
            return render(request, "sales/void_confirm.html", {"sale": sale, "reason": reason, "pieces": pieces})
        return redirect("ui:sale-invoice", sale_id=sale.pk)
    try:
        sale_void(actor=request.user, sale=sale, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Invoice %(number)s is voided; its pieces are back in stock.")
                         % {"number": formatting.localize_digits(sale.invoice_label)})
    return redirect("ui:sale-invoice", sale_id=sale.pk)


@permission_required(*VIEW_SALES, any_of=True)
def sale_invoice_pdf(request, sale_id):
    sale = _sale(sale_id)
    try:
        invoice = invoice_content(sale, request.tenant, request.LANGUAGE_CODE)
        content = invoice_pdf(invoice, rtl=formatting.is_persian(request.LANGUAGE_CODE))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("ui:sale-invoice", sale_id=sale.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="invoice-{sale.invoice_label}.pdf"'
    return response
