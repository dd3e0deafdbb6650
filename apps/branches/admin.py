"""Admin for branches and terminals: writes go through the services, which
allocate a branch's code and a terminal's number. Neither is deleted (sales,
stock and devices keep them); close one with "active" instead."""
from django.contrib import admin

from apps.branches.models import Branch, Terminal
from apps.branches.services import branch_create, branch_update, terminal_create, terminal_update
from apps.core.admin_writes import ServiceAdmin


@admin.register(Branch)
class BranchAdmin(ServiceAdmin):
    list_display = ("name", "code", "is_active", "created_at")
    search_fields = ("name", "code")
    readonly_fields = ("code", "created_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "address"]  # the code is the service's: B1, B2, ...
        return ["name", "code", "address", "is_active", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, data):
        return branch_create(name=data["name"], address=data["address"])

    def update(self, request, obj, changes):
        return branch_update(branch=obj, **changes)


@admin.register(Terminal)
class TerminalAdmin(ServiceAdmin):
    list_display = ("name", "branch", "number", "is_active", "created_at")
    list_filter = ("branch", "is_active")
    list_select_related = ("branch",)
    readonly_fields = ("number", "created_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["branch", "name"]  # the number is the service's: next at that branch
        return ["branch", "name", "number", "is_active", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # A terminal's branch and number are in its receipt numbers.
        return ("branch", *self.readonly_fields) if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = Branch.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, data):
        return terminal_create(branch=data["branch"], name=data["name"])

    def update(self, request, obj, changes):
        return terminal_update(terminal=obj, **changes)
