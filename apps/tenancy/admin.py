from django.contrib import admin
from django_tenants.admin import TenantAdminMixin

from apps.accounts.admin import UserAdmin
from apps.accounts.models import User
from apps.core.admin import DeadLetterAdmin
from apps.core.models import DeadLetter
from apps.tenancy.models import Domain, Tenant


class PlatformAdminSite(admin.AdminSite):
    """The operators' admin on the public host; shops' admins never list shops."""

    site_header = "Zargar platform"
    site_title = "Zargar platform"


platform_admin = PlatformAdminSite(name="platform_admin")
platform_admin.register(User, UserAdmin)
platform_admin.register(DeadLetter, DeadLetterAdmin)  # with the background status of every shop


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant, site=platform_admin)
class TenantAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("name", "schema_name", "status", "currency", "tax_regime", "created_at")
    list_filter = ("status", "tax_regime", "currency")
    search_fields = ("name", "schema_name", "domains__domain")
    readonly_fields = ("schema_name", "is_template", "created_at")
    inlines = [DomainInline]

    def has_add_permission(self, request):
        return False  # shops are provisioned by `create_shop`, which clones the template

    def has_delete_permission(self, request, obj=None):
        return False
