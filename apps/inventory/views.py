"""Staff pages for stock: the item list, an item with today's price, item
create/edit, printable tags, and the gold rate board."""
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.inventory import pricing
from apps.inventory.models import Category, GoldRate, Item, StockMovement
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness
from apps.inventory.shop_pricing import item_price_quote, tax_rules_for_shop
from apps.inventory import validation
from apps.inventory.services import category_create, gold_rate_set, item_create, item_update, shop_making_percent_max
from apps.inventory.validation import HAND_SET_STATUSES
from apps.ui import formatting
from apps.ui.barcode import code128_svg
from apps.ui.amounts import MoneyField, shop_currency
from apps.ui.charts import line_chart
from apps.ui.formatting import from_display_unit, money_input
from apps.ui.forms import AmountField, RowChoiceField, WholeField, form_error
from apps.ui.labels import choices
from apps.ui.permissions import forbidden, permission_required

PAGE_SIZE = 25
BOARD_FINENESSES = (999, 916, 875, 750, 705, 585)
ITEM_ERROR_FIELDS = {
    "sku_taken": "sku", "invalid_sku": "sku", "barcode_taken": "barcode", "invalid_barcode": "barcode",
    "invalid_name": "name", "invalid_fineness": "fineness", "invalid_weight": "gross_weight",
    "fixed_price_required": "fixed_price", "fixed_price_not_allowed": "fixed_price", "invalid_quantity": "quantity",
    "category_exists": "new_category", "invalid_category_name": "new_category", "making_over_limit": "making_value",
}
VIEW_STOCK = ("accounts.sell", "accounts.manage_inventory")


def _filtered_items(params):
    items = Item.objects.filter(is_deleted=False).select_related("category", "branch")
    q = (params.get("q") or "").strip()
    if q:
        items = items.filter(Q(sku__icontains=q) | Q(barcode__icontains=q) | Q(name__icontains=q))
    if params.get("category"):
        items = items.filter(category_id=params["category"])
    if params.get("branch"):
        items = items.filter(branch_id=params["branch"])
    if params.get("status") in Item.Status.values:
        items = items.filter(status=params["status"])
    fineness = params.get("fineness")
    if fineness and formatting.parse_decimal(fineness) is not None:
        items = items.filter(fineness=int(formatting.parse_decimal(fineness)))
    return items.order_by("sku")


class ItemFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"),
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("SKU, barcode or name"), "autofocus": True}))
    category = RowChoiceField(Category.objects.all(), required=False, label=_("Category"), empty_label=_("All"))
    fineness = forms.TypedChoiceField(required=False, label=_("Fineness"), coerce=int, empty_value=None)
    branch = RowChoiceField(Branch.objects.all(), required=False, label=_("Branch"), empty_label=_("All"))
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        finenesses = Item.objects.filter(is_deleted=False).values_list("fineness", flat=True).distinct().order_by("-fineness")
        self.fields["fineness"].choices = [("", _("All"))] + [(f, formatting.localize_digits(f)) for f in finenesses]
        self.fields["status"].choices = [("", _("All"))] + choices("item_status")


@permission_required(*VIEW_STOCK, any_of=True)
def item_list(request):
    form = ItemFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    params = {k: getattr(v, "pk", v) for k, v in params.items() if v not in (None, "")}
    page = Paginator(_filtered_items(params), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "inventory/_item_rows.html" if request.headers.get("HX-Request") == "true" else "inventory/item_list.html"
    return render(request, template, {"form": form, "page": page, "shop": request.tenant})


def _movements(item: Item):
    return StockMovement.objects.filter(item=item).select_related("actor").order_by("-created_at")[:50]


@permission_required(*VIEW_STOCK, any_of=True)
def item_detail(request, item_id):
    item = get_object_or_404(Item.objects.select_related("category", "branch"), pk=item_id)
    context = {"item": item, "shop": request.tenant, "movements": _movements(item)}
    try:
        context["quote"] = item_price_quote(item=item, shop=request.tenant)
        context["rounded"] = pricing.round_total(context["quote"].total, tax_rules_for_shop(request.tenant))
    except ApplicationError as exc:
        context["quote_error"] = exc.message
    return render(request, "inventory/item_detail.html", context)


class ItemForm(forms.Form):
    sku = forms.CharField(max_length=64, label=_("SKU"))
    barcode = forms.CharField(max_length=64, required=False, label=_("Barcode"))
    name = forms.CharField(max_length=200, label=_("Name"))
    category = RowChoiceField(Category.objects.all(), required=False, label=_("Category"))
    new_category = forms.CharField(max_length=120, required=False, label=_("or a new category"))
    branch = RowChoiceField(Branch.objects.filter(is_active=True), label=_("Branch"))
    fineness = WholeField(min_value=1, max_value=1000, label=_("Fineness (‰)"), initial=750)
    gross_weight = AmountField(places=3, whole_digits=7, label=_("Gross weight (g)"))
    stone_weight = AmountField(places=3, whole_digits=7, label=_("Stone weight (g)"), required=False)
    making_mode = forms.ChoiceField(label=_("Making charge"), choices=choices("making"))
    making_value = AmountField(places=2, label=_("Making value"), required=False)
    stone_value = MoneyField(places=2, label=_("Stones value"), required=False)
    pricing_mode = forms.ChoiceField(label=_("Pricing"), choices=choices("pricing"))
    fixed_price = MoneyField(places=2, label=_("Fixed price (before tax)"), required=False)
    cost = MoneyField(places=2, label=_("Cost"), required=False)
    quantity = WholeField(min_value=0, max_value=1_000_000, label=_("Quantity"), initial=1)
    is_unique_piece = forms.BooleanField(required=False, label=_("One of a kind"))
    status = forms.ChoiceField(label=_("Status"), choices=choices("item_status", HAND_SET_STATUSES))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["quantity"], self.fields["is_unique_piece"]
        else:
            del self.fields["status"]
            self.fields["branch"].initial = Branch.objects.filter(is_active=True).order_by("created_at").first()

    def clean(self):
        data = super().clean()
        if not data.get("category") and not (data.get("new_category") or "").strip():
            self.add_error("category", _("Pick a category or name a new one."))
        if data.get("pricing_mode") == Item.PricingMode.FIXED and data.get("fixed_price") is None:
            self.add_error("fixed_price", _("An item sold at a fixed price needs that price."))
        gross, stones = data.get("gross_weight"), data.get("stone_weight") or Decimal(0)
        if gross is not None and stones > gross:
            self.add_error("stone_weight", _("The stones cannot weigh more than the whole piece."))
        elif gross is not None and data.get("pricing_mode"):
            try:
                validation.gold_net_weight(pricing_mode=data["pricing_mode"], net_weight=gross - stones)
            except ApplicationError:
                self.add_error("gross_weight", _("An item priced by the gold rate needs a net weight above zero."))
        self._check_making(data)
        return data

    def _check_making(self, data) -> None:
        """The shop's limit on a percent making charge (its settings); on
        edit only when the charge is being changed, as in item_update."""
        mode, value = data.get("making_mode"), data.get("making_value") or Decimal(0)
        if mode is None or "making_value" in self.errors:
            return
        if self.initial and (mode, value) == (self.initial.get("making_mode"), self.initial.get("making_value")):
            return
        limit = shop_making_percent_max()
        try:
            validation.making_within_limit(making_mode=mode, making_value=value, limit=limit)
        except ApplicationError:
            self.add_error("making_value", _("At most %(limit)s%% of the gold value (the shop's limit).")
                           % {"limit": formatting.number(limit.normalize())})

    def values(self) -> dict:
        data = self.cleaned_data
        zero = Decimal(0)
        values = {
            "sku": data["sku"], "barcode": data.get("barcode") or None, "name": data["name"], "branch": data["branch"],
            "fineness": data["fineness"], "gross_weight": data["gross_weight"], "stone_weight": data.get("stone_weight") or zero,
            "making_mode": data["making_mode"], "making_value": _making_stored(data["making_mode"], data.get("making_value") or zero),
            "stone_value": data.get("stone_value") or zero, "pricing_mode": data["pricing_mode"],
            "fixed_price": data.get("fixed_price") if data["pricing_mode"] == Item.PricingMode.FIXED else None,
            "cost": data.get("cost") or zero,
        }
        if "status" in data:
            values["status"] = data["status"]
        return values


def _category(form: ItemForm) -> Category:
    name = (form.cleaned_data.get("new_category") or "").strip()
    return category_create(name=name) if name else form.cleaned_data["category"]


@permission_required("accounts.manage_inventory")
def item_new(request):
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = item_create(actor=request.user, category=_category(form), quantity=form.cleaned_data["quantity"],
                               is_unique_piece=form.cleaned_data["is_unique_piece"], **form.values())
        except ApplicationError as exc:
            form_error(form, exc, ITEM_ERROR_FIELDS)
        else:
            messages.success(request, _("Item %(sku)s created.") % {"sku": item.sku})
            return redirect("ui:item-detail", item_id=item.pk)
    return render(request, "inventory/item_form.html", {"form": form, "item": None})


def _making_stored(mode: str, value: Decimal) -> Decimal:
    """A making value is money (typed in the shop's unit) unless in percent."""
    return value if mode == Item.MakingMode.PERCENT else from_display_unit(value, shop_currency())


def _initial(item: Item) -> dict:
    names = ("sku", "barcode", "name", "category", "branch", "fineness", "gross_weight", "stone_weight", "making_mode",
             "making_value", "stone_value", "pricing_mode", "fixed_price", "cost", "status")
    initial = {name: getattr(item, name) for name in names}
    if item.making_mode != Item.MakingMode.PERCENT:
        initial["making_value"] = money_input(item.making_value, shop_currency())
    return initial


@permission_required("accounts.manage_inventory")
def item_edit(request, item_id):
    item = get_object_or_404(Item, pk=item_id, is_deleted=False)
    form = ItemForm(request.POST or None, initial=_initial(item), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            item = item_update(actor=request.user, item=item, category=_category(form), **form.values())
        except ApplicationError as exc:
            form_error(form, exc, ITEM_ERROR_FIELDS)
        else:
            messages.success(request, _("Item %(sku)s saved.") % {"sku": item.sku})
            return redirect("ui:item-detail", item_id=item.pk)
    return render(request, "inventory/item_form.html", {"form": form, "item": item})


@permission_required(*VIEW_STOCK, any_of=True)
def item_tag(request, item_id):
    item = get_object_or_404(Item.objects.select_related("category"), pk=item_id)
    code = item.barcode or item.sku
    return render(request, "inventory/item_tag.html", {"item": item, "code": code, "barcode_svg": code128_svg(code), "shop": request.tenant})


# --------------------------------------------------------------------------
# gold rate board
# --------------------------------------------------------------------------


class GoldRateForm(forms.Form):
    base_rate = MoneyField(places=6, whole_digits=14, label=_("Rate per gram"), min_value=Decimal("0.000001"),
                            widget=forms.TextInput(attrs={"inputmode": "decimal", "autofocus": True, "autocomplete": "off"}))
    base_fineness = WholeField(min_value=1, max_value=1000, initial=750, label=_("of fineness (‰)"))
    rate_999 = MoneyField(places=6, whole_digits=14, required=False, label=_("Own rate for 999 (optional)"), min_value=Decimal("0.000001"))
    rate_916 = MoneyField(places=6, whole_digits=14, required=False, label=_("Own rate for 916 (optional)"), min_value=Decimal("0.000001"))
    rate_705 = MoneyField(places=6, whole_digits=14, required=False, label=_("Own rate for 705 (optional)"), min_value=Decimal("0.000001"))

    def explicit_rates(self) -> dict[int, Decimal]:
        return {f: self.cleaned_data[f"rate_{f}"] for f in (999, 916, 705) if self.cleaned_data.get(f"rate_{f}")}


@login_required
def gold_rate_board(request):
    can_set = request.user.has_perm("accounts.set_gold_rate")
    form = GoldRateForm(request.POST or None) if can_set else None
    if request.method == "POST":
        if not can_set:
            return forbidden(request)
        if form.is_valid():
            try:
                gold_rate_set(actor=request.user, base_rate=form.cleaned_data["base_rate"],
                              base_fineness=form.cleaned_data["base_fineness"], explicit_rates=form.explicit_rates())
            except ApplicationError as exc:
                form_error(form, exc, {"invalid_rate": "base_rate", "invalid_fineness": "base_fineness"})
            else:
                messages.success(request, _("Today's gold rate is set."))
                return redirect("ui:gold-rate")
    shop = request.tenant
    current = gold_rate_current()
    history = list(GoldRate.objects.select_related("set_by").prefetch_related("fineness_rates").order_by("-effective_at", "-created_at")[:60])
    series = [
        (r.effective_at, r.base_rate * 750 / r.base_fineness, formatting.money(r.base_rate * 750 / r.base_fineness, shop.currency))
        for r in reversed(history)
    ]
    context = {
        "form": form, "current": current, "history": history, "shop": shop,
        "chart": line_chart(series) if len(series) > 1 else None,
        "rates": [(f, gold_rate_for_fineness(gold_rate=current, fineness=f)) for f in BOARD_FINENESSES] if current else [],
    }
    return render(request, "inventory/gold_rate.html", context)
