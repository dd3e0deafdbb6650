from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path

from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry, DeadLetter, JobRun, OutboxEvent


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


class PublishedFilter(admin.SimpleListFilter):
    title = "relayed"
    parameter_name = "relayed"

    def lookups(self, request, model_admin):
        return (("no", "Waiting (backlog)"), ("yes", "Relayed"))

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "topic", "published_at", "attempts")
    list_filter = (PublishedFilter, "topic")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """Periodic jobs of this shop: the last stock reconciliation, notifications, imports."""

    list_display = ("started_at", "job", "ok", "summary")
    list_filter = ("job", "ok")
    date_hierarchy = "started_at"

    @admin.display(description="result")
    def summary(self, obj):
        keys = ("clean", "drift", "oversold", "reviews_opened", "items", "status", "error")
        return ", ".join(f"{k}: {obj.result[k]}" for k in keys if k in obj.result)[:200]


# --------------------------------------------------------------------------
# Operators (platform admin, public host): dead letters and background status
# --------------------------------------------------------------------------


class DeadLetterAdmin(ReadOnlyAdmin):
    """On the operators' site only (apps.tenancy.admin registers it there)."""

    list_display = ("failed_at", "task_name", "schema_name", "attempts", "short_exception", "retried_at", "resolved")
    list_filter = ("resolved", "task_name", "schema_name")
    search_fields = ("task_name", "task_id", "exception", "schema_name")
    actions = ["retry", "resolve"]
    change_list_template = "admin/core/deadletter/change_list.html"

    @admin.display(description="exception")
    def short_exception(self, obj):
        return obj.exception[:120]

    @admin.action(description="Run the selected tasks again")
    def retry(self, request, queryset):
        from apps.core.deadletters import dead_letter_retry

        sent = 0
        for dead_letter in queryset.filter(resolved=False).order_by("pk"):
            try:
                dead_letter_retry(dead_letter=dead_letter)
                sent += 1
            except ApplicationError as exc:
                self.message_user(request, f"#{dead_letter.pk}: {exc.message}", messages.ERROR)
            except Exception as exc:  # noqa: BLE001 - the broker may be down; say so
                self.message_user(request, f"#{dead_letter.pk}: could not send ({exc})", messages.ERROR)
        if sent:
            self.message_user(request, f"{sent} task(s) sent again; each closes when its run succeeds.", messages.SUCCESS)

    @admin.action(description="Mark the selected as resolved")
    def resolve(self, request, queryset):
        from apps.core.deadletters import dead_letter_resolve

        closed = sum(dead_letter_resolve(dead_letter_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{closed} dead letter(s) resolved.", messages.SUCCESS)

    def get_urls(self):
        extra = [path("background/", self.admin_site.admin_view(self.background_view), name="core_background_status")]
        return extra + super().get_urls()

    def background_view(self, request):
        """Per shop: outbox backlog, open dead letters, last stock reconciliation."""
        from apps.core.selectors import background_status

        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Background work",
            "shops": background_status(),
            "open_dead_letters": DeadLetter.objects.filter(resolved=False).count(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/core/background_status.html", context)

