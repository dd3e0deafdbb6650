"""The operators' admin on the public host. Shops are created by
`shop_create` (the same service as `create_shop`: schema cloned from the
template, domain, owner, first branch), changed by `shop_update`, suspended
and reactivated by `shop_suspend` / `shop_reactivate`; never deleted here.
Domains are shown, not edited: there is no service for them yet."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django_tenants.admin import TenantAdminMixin

from apps.accounts.admin import OperatorAdmin
from apps.accounts.models import User
from apps.core.admin import DeadLetterAdmin
from apps.core.admin_writes import ServiceAdmin
from apps.core.errors import ApplicationError
from apps.core.models import DeadLetter
from apps.tenancy.models import Domain, Tenant
from apps.tenancy.services import SHOP_SETTINGS, shop_create, shop_reactivate, shop_suspend, shop_update, timezone_check


class PlatformAdminSite(admin.AdminSite):
    """The operators' admin on the public host; shops' admins never list shops."""

    site_header = "Zargar platform"
    site_title = "Zargar platform"


platform_admin = PlatformAdminSite(name="platform_admin")
platform_admin.register(User, OperatorAdmin)
platform_admin.register(DeadLetter, DeadLetterAdmin)  # with the background status of every shop


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ("domain", "is_primary")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimezoneFormMixin:
    def clean_timezone(self):
        try:
            return timezone_check(self.cleaned_data["timezone"])
        except ApplicationError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc


class ShopAddForm(TimezoneFormMixin, forms.ModelForm):
    domain = forms.CharField(max_length=253, help_text="The shop's host name, e.g. golden-rose.example.com.")
    owner_email = forms.EmailField(label="Owner's e-mail")
    owner_password = forms.CharField(label="Owner's password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = Tenant
        fields = ("name", "currency", "language", "tax_regime", "timezone")


class ShopChangeForm(TimezoneFormMixin, forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ("status", *SHOP_SETTINGS)


@admin.register(Tenant, site=platform_admin)
class TenantAdmin(TenantAdminMixin, ServiceAdmin):
    list_display = ("name", "schema_name", "status", "currency", "tax_regime", "created_at")
    list_filter = ("status", "tax_regime", "currency")
    search_fields = ("name", "schema_name", "domains__domain")
    readonly_fields = ("schema_name", "is_template", "created_at")
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ShopAddForm if obj is None else ShopChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "domain", "owner_email", "owner_password", "currency", "language", "tax_regime", "timezone"]
        return ["name", "schema_name", "status", "is_template", "created_at", *(f for f in SHOP_SETTINGS if f != "name")]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, data):
        return shop_create(
            name=data["name"], domain=data["domain"], owner_email=data["owner_email"], owner_password=data["owner_password"],
            currency=data["currency"], language=data["language"], tax_regime=data["tax_regime"], timezone=data["timezone"],
        ).tenant

    def update(self, request, obj, changes):
        status = changes.pop("status", None)
        if changes:
            obj = shop_update(tenant=obj, **changes)
        if status == Tenant.Status.SUSPENDED:
            obj = shop_suspend(tenant=obj)
        elif status == Tenant.Status.ACTIVE:
            obj = shop_reactivate(tenant=obj)
        return obj

    def _each(self, request, queryset, service, done: str):
        count = 0
        for tenant in queryset.order_by("pk"):
            try:
                service(tenant=tenant)
                count += 1
            except ApplicationError as exc:
                self.message_user(request, f"{tenant}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} shop(s) {done}.", messages.SUCCESS)

    @admin.action(description="Suspend the selected shops", permissions=["change"])
    def suspend(self, request, queryset):
        self._each(request, queryset, shop_suspend, "suspended")

    @admin.action(description="Reactivate the selected shops", permissions=["change"])
    def reactivate(self, request, queryset):
        self._each(request, queryset, shop_reactivate, "reactivated")
