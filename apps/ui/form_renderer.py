"""The form renderer (settings.FORM_RENDERER): Django's, with its plainest
templates written in Python.

Django renders every widget, every <option> of a select and every label
through a template of its own (input.html with attrs.html, select.html with
an include per option). On the inventory page the filter form's five fields
cost a fifth of the page's CPU that way (docs/performance.md). The
templates below are so small that they are written here as functions that
give the same text, character for character: the input widgets, the select
and its options, and the label. Any other template (a form, a field, a
textarea, our own widgets) is rendered by Django as before.
tests/ui/test_form_renderer.py renders every field of the staff forms both
ways and compares.
"""
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
INPUTS = ("input", "text", "number", "email", "url", "password", "hidden", "search", "tel", "date", "datetime", "time",
          "color", "checkbox")


def _shown(value) -> str:
    """{{ value }}: what the template engine prints (localized, escaped)."""
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }}."""
    return value if isinstance(value, SafeString) else conditional_escape(str(value))


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html (and forms/attrs.html)."""
    if not attrs:
        return ""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(context) -> str:
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option) -> str:
    return f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>{_shown(option["label"])}</option>'


def _select(context) -> str:
    widget = context["widget"]
    out = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != WIDGETS + "select_option.html":
                return None  # a widget of its own making: Django's templates
            out.append(f"\n  {_option(option)}\n")
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _label(context) -> str:
    if not context["use_tag"]:
        return _shown(context["label"])
    tag = _shown(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_shown(context['label'])}</{tag}>"


WRITERS = {**{f"{WIDGETS}{name}.html": _input for name in INPUTS}, WIDGETS + "select.html": _select,
           "django/forms/label.html": _label}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        written = None if write is None else write(context)
        return super().render(template_name, context, request) if written is None else written.strip()
