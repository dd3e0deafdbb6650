from django.contrib import admin

from apps.core.models import AuditEntry, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only services write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "object_type", "object_id", "actor")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "note", "actor__email")
    list_select_related = ("actor",)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "topic", "published_at", "attempts")
    list_filter = ("topic",)
