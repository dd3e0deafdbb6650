"""The admin writes through the services, like every other caller.

`ServiceAdmin` turns the admin's save into a call of the app's service:
`create(request, data)` for the add form, `update(request, obj, changes)` for
the change form (only the fields the user changed, on the row as stored).
Where a service refuses (an `ApplicationError`), the admin's transaction is
rolled back and the same form is shown again with the service's message,
on the field it names or above the form: a form error, never a 500. A
refused delete or action is rolled back whole and said in a message.

A model without a service for a write stays read-only for that write
(`has_add_permission` / `has_delete_permission` returning False).
"""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect

from apps.core.errors import ApplicationError

_REFUSAL = "_service_admin_refusal"


def adopt(obj, saved) -> None:
    """The admin goes on with the form's unsaved `obj` (messages, log entry,
    redirect): make it the row the service wrote."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding, obj._state.db = False, saved._state.db


def refusal_errors(exc: ApplicationError, fields) -> list[tuple[str | None, ValidationError]]:
    """The service's refusal as form errors: each detail on the field it
    names when the form has that field, else above the form; without
    details, the service's message above the form."""
    errors = []
    for detail in exc.details:
        if isinstance(detail, dict) and detail.get("message"):
            field = detail.get("field") if detail.get("field") in fields else None
            errors.append((field, ValidationError(detail["message"], code=detail.get("code", exc.code))))
    return errors or [(None, ValidationError(exc.message, code=exc.code))]


class ServiceAdmin(admin.ModelAdmin):
    def create(self, request, data: dict):
        """Creates the row through the app's service and returns it."""
        raise NotImplementedError(f"{type(self).__name__} has no service to create a {self.model._meta.verbose_name}")

    def update(self, request, obj, changes: dict):
        """Applies `changes` (field -> cleaned value) through the app's service; returns the row."""
        raise NotImplementedError(f"{type(self).__name__} has no service to change a {self.model._meta.verbose_name}")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            changes = {name: data[name] for name in form.changed_data if name in data}
            saved = self.update(request, stored, changes) if changes else stored
        else:
            saved = self.create(request, data)
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        """The service wrote everything there is: no many-to-many or inline
        rows are saved behind its back (inlines here are read-only)."""
        for formset in formsets:
            if formset.has_changed():
                raise ApplicationError("read_only", f"The {formset.model._meta.verbose_name_plural} are not changed here.")
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            if request.method != "POST" or hasattr(request, _REFUSAL):
                raise
            # The admin's atomic block has rolled back; validate the same
            # POST again, this time with the refusal on the form.
            setattr(request, _REFUSAL, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_action(self, request, queryset):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().response_action(request, queryset)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        if refusal is None:
            return form

        class Refused(form):
            def clean(self):
                cleaned = super().clean()
                for field, error in refusal_errors(refusal, self.fields):
                    self.add_error(field, error)
                return cleaned

        Refused.__name__ = form.__name__
        return Refused
