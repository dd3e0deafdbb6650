"""apps/ui/form_renderer.py writes Django's plainest widget templates in
Python: every field of every staff form, and widgets with awkward values,
come out exactly as Django's templates make them."""
import importlib
import inspect

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from apps.ui.form_renderer import FormRenderer

MODULES = ("apps.pos_sync.views", "apps.sales.counter_forms", "apps.sales.counter_views", "apps.sales.return_views",
           "apps.tenancy.views", "apps.review.forms", "apps.customers.views", "apps.inventory.views", "apps.reports.views",
           "apps.accounts.staff_views", "apps.accounts.mfa_views")
OURS, DJANGOS = FormRenderer(), DjangoTemplates()


def _staff_forms():
    for module in MODULES:
        for _, cls in inspect.getmembers(importlib.import_module(module), inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module:
                yield cls


def _both(make):
    return make(OURS), make(DJANGOS)


def _rendered(form_class, renderer, data):
    try:
        form = form_class(data, renderer=renderer) if data is not None else form_class(renderer=renderer)
    except TypeError:
        return None  # a form made with arguments of its own (a user, an item): its fields are the same kinds
    if data is not None:
        form.is_valid()
    return [(str(bound), bound.label_tag(), str(bound.errors)) for bound in form] + [str(form)]


@pytest.mark.parametrize("language", ["en", "fa"])
def test_every_staff_form_renders_as_django_renders_it(in_shop_a, language):
    seen = 0
    with override(language):
        for form_class in _staff_forms():
            for data in (None, {}, {name: "<x> & \"y\" ۱۲" for name in form_class.base_fields}):
                ours, djangos = _both(lambda renderer: _rendered(form_class, renderer, data))  # noqa: B023
                assert ours == djangos, form_class.__name__
                seen += ours is not None
    assert seen >= 30


class Awkward(forms.Form):
    text = forms.CharField(initial='<b>"quoted" & so</b>', widget=forms.TextInput(attrs={"autofocus": True, "hidden": False,
                                                                                         "data-x": 0, "placeholder": "a<b"}))
    safe = forms.CharField(initial=mark_safe("<i>kept</i>"))
    number = forms.IntegerField(initial=1234567, label=gettext_lazy("Quantity"))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p&w")
    flag = forms.BooleanField(initial=True, required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    kind = forms.ChoiceField(choices=[("", "All"), (1, 1234), ("a&b", "A & B"),
                                      ("Group <1>", [("g1", "One"), ("g2", mark_safe("<em>Two</em>"))])], initial="g2")
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], initial=["x", "y"])
    notes = forms.CharField(widget=forms.Textarea, initial="line\n<two>")


@pytest.mark.parametrize("language", ["en", "fa"])
def test_awkward_values_and_attributes_render_as_django_renders_them(language):
    with override(language):
        ours, djangos = _both(lambda renderer: [(str(b), b.label_tag(), b.label_tag(attrs={"class": "x"}, label_suffix=":"))
                                                for b in Awkward(renderer=renderer)] + [str(Awkward(renderer=renderer))])
        assert ours == djangos
        bound = _both(lambda renderer: str(Awkward({"kind": "zzz", "number": "x"}, renderer=renderer)))
        assert bound[0] == bound[1]
