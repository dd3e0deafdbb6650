"""Admin for the shop's stock. Every write goes through the services: forms
check input with the same rules the services apply (so errors show on the
form), and `save_model` calls the service instead of saving the form; a
refusal the form did not foresee is shown on it too (core.admin_writes)."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.core.admin import ReadOnlyAdmin
from apps.core.admin_writes import ServiceAdmin, adopt
from apps.core.errors import ApplicationError
from apps.inventory import services, validation
from apps.inventory.models import Category, GoldRate, GoldRateFineness, Item, StockMovement


def _as_validation_error(exc: ApplicationError) -> ValidationError:
    return ValidationError(exc.message, code=exc.code)


# --------------------------------------------------------------------------
# categories
# --------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "parent"]

    def clean(self):
        cleaned = super().clean()
        ancestor = cleaned.get("parent")
        while ancestor is not None and self.instance.pk is not None:
            if ancestor.pk == self.instance.pk:
                raise ValidationError("A category cannot sit under itself or its own children.", code="invalid_parent")
            ancestor = ancestor.parent
        return cleaned


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    form = CategoryForm
    list_display = ("name", "parent", "change_number", "updated_at")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name",)
    list_select_related = ("parent",)
    readonly_fields = ("change_number", "created_at", "updated_at")

    def has_delete_permission(self, request, obj=None):
        return False  # items keep their category; categories are not removed

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.category_update(category=obj, name=data["name"], parent=data["parent"])
        else:
            created = services.category_create(name=data["name"], parent=data["parent"])
            adopt(obj, created)


# --------------------------------------------------------------------------
# items
# --------------------------------------------------------------------------


class ItemForm(forms.ModelForm):
    initial_quantity = forms.IntegerField(min_value=0, initial=1, required=False, help_text="Arrives in the ledger as a purchase.")

    class Meta:
        model = Item
        fields = [
            "sku", "barcode", "name", "category", "branch", "fineness", "gross_weight", "stone_weight",
            "making_mode", "making_value", "stone_value", "pricing_mode", "fixed_price", "cost", "is_unique_piece",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            validation.item_attributes({name: cleaned.get(name) for name in services.ITEM_ATTRIBUTES})
            if self.instance._state.adding:
                validation.initial_quantity(
                    cleaned.get("initial_quantity") or 0, is_unique_piece=bool(cleaned.get("is_unique_piece"))
                )
        except ApplicationError as exc:
            raise _as_validation_error(exc) from exc
        return cleaned


@admin.register(Item)
class ItemAdmin(ServiceAdmin):
    form = ItemForm
    list_display = ("sku", "name", "category", "branch", "fineness", "net_weight", "pricing_mode", "quantity", "status", "is_deleted")
    list_filter = ("status", "pricing_mode", "is_unique_piece", "is_deleted", "branch", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("sku", "barcode", "name")
    list_select_related = ("category", "branch")
    # Quantity changes only through the ledger; status follows stock.
    readonly_fields = ("quantity", "status", "net_weight", "is_deleted", "change_number", "created_at", "updated_at")

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "initial_quantity"]
        if obj is None:
            return [f for f in fields if f not in self.readonly_fields] + ["initial_quantity"]
        return [f for f in fields if f != "is_unique_piece"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            editable = [name for name in form.changed_data if name in services.EDITABLE_FIELDS]
            services.item_update(actor=request.user, item=obj, **{name: data[name] for name in editable})
            return
        created = services.item_create(
            actor=request.user,
            **{name: data[name] for name in (*services.ITEM_ATTRIBUTES, "category", "branch", "is_unique_piece")},
            quantity=data.get("initial_quantity") or 0,
        )
        adopt(obj, created)

    def get_deleted_objects(self, objs, request):
        # Soft delete: the ledger rows stay, so they protect nothing.
        objs = list(objs)
        return [str(obj) for obj in objs], {Item._meta.verbose_name_plural: len(objs)}, set(), []

    def delete_model(self, request, obj):
        services.item_delete(actor=request.user, item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset.order_by("pk"):
            services.item_delete(actor=request.user, item=item)


# --------------------------------------------------------------------------
# stock ledger
# --------------------------------------------------------------------------


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "item", "quantity_delta", "reason", "reference", "actor")
    list_filter = ("reason",)
    search_fields = ("item__sku", "item__name", "reference")
    list_select_related = ("item", "actor")
    date_hierarchy = "created_at"


# --------------------------------------------------------------------------
# gold rate board
# --------------------------------------------------------------------------


class GoldRateForm(forms.ModelForm):
    explicit_rates = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, one per line: fineness=rate, e.g. 916=9160.00",
    )
    effective_at = forms.DateTimeField(required=False, help_text="Empty: now.")

    class Meta:
        model = GoldRate
        fields = ["base_rate", "base_fineness", "effective_at", "source"]

    def clean_explicit_rates(self) -> dict:
        rates = {}
        for line in filter(None, (line.strip() for line in self.cleaned_data["explicit_rates"].splitlines())):
            fineness, _, rate = (part.strip() for part in line.partition("="))
            if not fineness.isdigit():
                raise ValidationError(f"'{line}' is not fineness=rate.", code="invalid_rate")
            try:
                rates[validation.fineness(int(fineness))] = validation.rate(forms.DecimalField().clean(rate), f"Rate for {fineness}")
            except ApplicationError as exc:
                raise _as_validation_error(exc) from exc
        return rates


class GoldRateFinenessInline(admin.TabularInline):
    model = GoldRateFineness
    fields = ("fineness", "rate")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GoldRate)
class GoldRateAdmin(ServiceAdmin):
    """Rows can be added (through the service, audited) but never changed."""

    form = GoldRateForm
    list_display = ("effective_at", "base_rate", "base_fineness", "source", "set_by", "created_at")
    list_filter = ("source",)
    search_fields = ("source", "set_by__email")
    list_select_related = ("set_by",)
    date_hierarchy = "effective_at"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["base_rate", "base_fineness", "effective_at", "source", "explicit_rates"]
        return ["effective_at", "base_rate", "base_fineness", "source", "set_by", "created_at"]

    def get_inlines(self, request, obj):
        return [GoldRateFinenessInline] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = services.gold_rate_set(
            actor=request.user,
            base_rate=data["base_rate"],
            base_fineness=data["base_fineness"],
            explicit_rates=data["explicit_rates"] or None,
            effective_at=data["effective_at"],
            source=data["source"],
        )
        adopt(obj, created)


@admin.register(GoldRateFineness)
class GoldRateFinenessAdmin(ReadOnlyAdmin):
    list_display = ("gold_rate", "fineness", "rate")
    list_filter = ("fineness",)
    list_select_related = ("gold_rate",)
