"""Staff pages of appraisals: the list, a new valuation for a customer
found first, one appraisal and its PDF certificate."""
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.ui.forms import AmountField, RowChoiceField, WholeField
from apps.ui.labels import error_text
from apps.ui.permissions import permission_required
from apps.workshop.appraisals import appraisal_certificate_pdf, appraisal_create
from apps.workshop.models import Appraisal
from apps.workshop.views import SELL, _customer_or_none, _uuid

ERROR_FIELDS = {"invalid_weight": "gross_weight", "invalid_fineness": "fineness", "invalid_description": "description",
                "invalid_amount": "stone_value", "invalid_stones": "stones"}


class AppraisalForm(forms.Form):
    description = forms.CharField(max_length=255, label=_("The piece"), widget=forms.TextInput(attrs={"autofocus": True}))
    gross_weight = AmountField(places=3, whole_digits=7, min_value=None, label=_("Gross weight (g)"))
    stone_weight = AmountField(places=3, whole_digits=7, required=False, label=_("Stones (g)"))
    fineness = WholeField(min_value=1, max_value=1000, initial=750, label=_("Fineness"))
    stones = forms.CharField(max_length=255, required=False, label=_("Stones"))
    stone_value = AmountField(required=False, label=_("Stones value"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = RowChoiceField(queryset=Branch.objects.filter(is_active=True).order_by("created_at"),
                                               empty_label=None, label=_("Branch"))


@permission_required(SELL)
def appraisal_list(request):
    found = Appraisal.objects.select_related("branch", "customer").order_by("-created_at")
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(request, "workshop/appraisal_list.html", {"page": page, "shop": request.tenant})


@permission_required(SELL)
def appraisal_new(request):
    customer = _customer_or_none(request.GET.get("customer") or request.POST.get("customer"))
    if customer is None:
        return redirect("/workshop/new/?for=appraisal")
    form = AppraisalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            appraisal = appraisal_create(actor=request.user, customer=customer, **data)
        except ApplicationError as exc:
            field = ERROR_FIELDS.get(exc.code)
            form.add_error(field if field in form.fields else None, error_text(exc))
        else:
            messages.success(request, _("Appraisal %(label)s made.") % {"label": appraisal.label})
            return redirect("ui:appraisal-detail", appraisal_id=appraisal.pk)
    return render(request, "workshop/appraisal_form.html", {"form": form, "customer": customer})


def _appraisal(appraisal_id) -> Appraisal:
    found = Appraisal.objects.select_related("branch", "customer", "appraiser", "gold_rate").filter(pk=_uuid(appraisal_id)).first()
    if found is None:
        raise Http404
    return found


@permission_required(SELL)
def appraisal_detail(request, appraisal_id):
    return render(request, "workshop/appraisal.html", {"appraisal": _appraisal(appraisal_id), "shop": request.tenant})


@permission_required(SELL)
def appraisal_pdf(request, appraisal_id):
    appraisal = _appraisal(appraisal_id)
    content = appraisal_certificate_pdf(appraisal, shop=request.tenant, rtl=request.LANGUAGE_CODE == "fa")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="appraisal-{appraisal.label}.pdf"'
    return response
