"""Admin for customers and loyalty. Writes go through the services; the
points ledger and the balances it sums are read-only here."""
from django import forms
from django.contrib import admin

from apps.core.admin_writes import ServiceAdmin
from apps.customers.models import Customer, LoyaltyTier, PointsEntry
from apps.customers.selectors import customer_match
from apps.customers.services import customer_create, customer_update, loyalty_tier_update
from apps.customers.text import normalize_phone


@admin.register(LoyaltyTier)
class LoyaltyTierAdmin(ServiceAdmin):
    list_display = ("code", "name", "threshold_points", "multiplier")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return False  # the four tiers are seeded; code elsewhere relies on them

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        loyalty_tier_update(
            tier=obj, name=obj.name, threshold_points=obj.threshold_points, multiplier=obj.multiplier
        )


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("full_name", "phone", "email", "birthday", "notes", "tier", "is_deleted")

    def clean_phone(self):
        try:
            phone = normalize_phone(self.cleaned_data["phone"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if Customer.objects.filter(phone=phone).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"The phone number {phone} already belongs to a customer.")
        return phone


class PointsEntryInline(admin.TabularInline):
    model = PointsEntry
    fields = ("created_at", "points", "reason", "reference", "note", "actor")
    readonly_fields = fields
    extra = 0
    ordering = ("-created_at",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(ServiceAdmin):
    form = CustomerForm
    list_display = ("full_name", "phone", "email", "tier", "points_balance", "lifetime_points", "is_deleted", "updated_at")
    list_filter = ("tier", "is_deleted")
    list_select_related = ("tier",)
    search_fields = ("full_name", "name_search", "phone", "email")
    readonly_fields = ("id", "points_balance", "lifetime_points", "change_number", "created_at", "updated_at")
    inlines = [PointsEntryInline]

    # Nothing of these to show before the row exists (change_number is not even a number yet).
    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete (is_deleted) so POS terminals learn of it; the ledger keeps its rows

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if change:
            customer_update(customer=obj, **{name: data[name] for name in form.changed_data if name in data})
            return
        created = customer_create(
            full_name=data["full_name"], phone=data["phone"], email=data["email"],
            notes=data["notes"], birthday=data["birthday"],
        )
        extra = {name: data[name] for name in ("tier", "is_deleted") if name in form.changed_data}
        if extra:
            customer_update(customer=created, **extra)
        # The admin redirects to `obj`, so it must become the created row.
        obj.pk, obj._state.adding = created.pk, False

    def get_search_results(self, request, queryset, search_term):
        """Adds the app's own matching (ي/ی, ك/ک, Persian digits) to the admin's."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = customer_match(query=search_term)
        if match is not None:
            found = found | queryset.filter(match)
        return found, may_have_duplicates


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "customer", "points", "reason", "reference", "actor")
    list_filter = ("reason",)
    list_select_related = ("customer", "actor")
    search_fields = ("customer__full_name", "customer__name_search", "customer__phone", "reference")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
