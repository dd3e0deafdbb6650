"""Template filters for the staff pages: {% load ui %}."""
from functools import lru_cache
from uuid import UUID

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.ui import dates, formatting, labels
from apps.ui.words import amount_in_words

register = template.Library()


@register.filter
def num(value, places=None):
    """{{ value|num }} or {{ value|num:3 }}: grouped, in the page's digits."""
    return formatting.number(value, None if places in (None, "") else int(places))


@register.filter
def money(value, currency="IRR"):
    """{{ sale.total|money:sale.currency }}: in the shop's unit (rial or
    toman), the page's digits, with the unit's name after it."""
    return formatting.money(value, currency)


@register.filter
def money_plain(value, currency="IRR"):
    """The same without the unit, for a column whose heading names it."""
    return formatting.money(value, currency, unit=False)


@register.filter
def unit(currency="IRR"):
    """{{ sale.currency|unit }}: ریال / تومان / rial / toman, or the currency code."""
    return formatting.money_unit(currency or "IRR")


@register.filter
def money_input(value, currency="IRR"):
    """A stored amount as a money input's value, in the unit it is typed in."""
    return formatting.money_input(value, currency)


@register.filter
def grams(value):
    return formatting.weight(value)


@register.filter
def digits(value):
    """Only the digits localized (SKUs, invoice numbers, phone numbers)."""
    return formatting.localize_digits("" if value is None else value)


@register.filter
def phone(value):
    """{{ customer.phone|phone }}: grouped, left to right even on a Persian page."""
    text = formatting.phone_text(value)
    return format_html('<bdi dir="ltr" class="phone">{}</bdi>', text) if text else ""


@register.filter
def jdate(value):
    return formatting.date_text(value)


@register.filter
def jdatetime(value):
    return formatting.datetime_text(value)


@register.filter
def in_words(value, currency="IRR"):
    """An amount in words, in the shop's unit (tomans in a toman shop)."""
    return amount_in_words(value, currency, translation.get_language() or "en")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def query(context, **changes):
    """The current query string with some parameters changed (pagination)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


# The permissions the top bar's links depend on (ui/_nav.html).
NAV_PERMISSIONS = ("sell", "view_reports", "manage_inventory", "manage_customers", "resolve_review", "manage_terminals",
                   "manage_staff", "manage_shop")


@register.simple_tag(takes_context=True)
def main_nav(context):
    """The top bar's links. They depend only on the language, the URLs and
    which of NAV_PERMISSIONS the user has, so each such combination is
    rendered once per process (eleven URL reversals and translations a page
    saved: docs/performance.md)."""
    user = context["user"]
    granted = tuple(user.has_perm(f"accounts.{name}") for name in NAV_PERMISSIONS)
    return _nav(translation.get_language(), get_urlconf(), get_script_prefix(), granted)


@lru_cache(maxsize=256)
def _nav(language: str, urlconf, prefix: str, granted: tuple) -> str:
    return mark_safe(render_to_string("ui/_nav.html", {"can": dict(zip(NAV_PERMISSIONS, granted))}).strip())  # noqa: S308 (our template)


@register.simple_tag
def vendor_asset(name: str) -> str:
    """The URL of a file installed from npm into static/vendor/, or "" when
    it was not installed (pages then work as plain forms)."""
    return _vendor_url(name)


@lru_cache(maxsize=32)
def _vendor_url(name: str) -> str:
    path = f"vendor/{name}"
    return static(path) if finders.find(path) else ""


# Stand-ins for a row's id while a URL pattern is reversed (a UUID or an int path converter).
_ROW_IDS = (UUID(int=0), 987654321987654321)


@register.filter
def row_url(pk, name):
    """{{ sale.pk|row_url:"ui:sale-invoice" }}: what {% url name pk %} gives,
    for a list's rows: the pattern is reversed once, not once a row (a
    reverse costs 25-45 µs, a tenth of a row's whole cost)."""
    pattern, stand_in = _row_pattern(name, get_script_prefix(), get_urlconf())
    return pattern.replace(stand_in, str(pk))


@lru_cache(maxsize=64)
def _row_pattern(name: str, _prefix: str, urlconf) -> tuple[str, str]:
    for stand_in in _ROW_IDS:
        try:
            return reverse(name, args=[stand_in], urlconf=urlconf), str(stand_in)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(f"{name} takes no single id")


@register.filter
def choice(value, kind):
    """{{ sale.status|choice:"sale_status" }}: the choice's translated name."""
    return labels.label(kind, value)


@register.simple_tag
def date_input(name: str, value="", id: str = "", label: str = ""):
    """{% date_input "date_from" filters.date_from id="f-from" %}: a filter's
    date input, Jalali in Persian and ISO in English (apps.ui.dates)."""
    return dates.date_input_html(name, value, id=id, label=label)
