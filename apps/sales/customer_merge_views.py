"""The page that merges a duplicate customer: from a customer's profile,
find the other record, choose which one to keep, confirm."""
import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.customers.selectors import customer_get, customer_list
from apps.sales.customer_merge import customer_merge
from apps.ui.permissions import permission_required

CANDIDATES = 10
ERRORS = {
    "merge_into_itself": _("A customer cannot be merged into itself."),
    "customer_deleted": _("A deactivated customer cannot be merged, nor merged into."),
    "customer_not_found": _("Choose the other customer from the list."),
}


def _customer(customer_id):
    try:
        return customer_get(customer_id=customer_id)
    except ApplicationError:
        return None


@permission_required("accounts.manage_customers")
def customer_merge_page(request, customer_id):
    this = _customer(customer_id)
    if this is None:
        raise Http404
    if request.method == "POST":
        raw = request.POST.get("other", "")
        try:
            other = _customer(uuid.UUID(raw)) if len(raw) <= 36 else None
        except ValueError:
            other = None
        keep_this = request.POST.get("keep", "this") != "other"
        try:
            if other is None:
                raise ApplicationError("customer_not_found", "Choose the other customer.", status=404)
            kept, dropped = (this, other) if keep_this else (other, this)
            customer_merge(kept=kept, dropped=dropped, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, ERRORS.get(exc.code, exc.message))
            return redirect("ui:customer-merge", customer_id=this.pk)
        messages.success(request, _("%(dropped)s was merged into %(kept)s.") % {"dropped": dropped.full_name, "kept": kept.full_name})
        return redirect("ui:customer-detail", customer_id=kept.pk)
    query = request.GET.get("q", "")[:100]
    candidates = [c for c in customer_list(query=query)[:CANDIDATES + 1] if c.pk != this.pk][:CANDIDATES] if query.strip() else []
    return render(request, "customers/customer_merge.html", {"customer": this, "q": query, "candidates": candidates,
                                                             "shop": request.tenant})
