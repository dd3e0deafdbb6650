from django.contrib import admin

from apps.branches.models import Branch, Terminal


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_active", "created_at")
    search_fields = ("name", "code")


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "number", "is_active", "created_at")
    list_filter = ("branch", "is_active")
    list_select_related = ("branch",)
    readonly_fields = ("number",)
