"""Every number a staff page shows in Persian is in Persian digits (issue 14,
item 5): counts, amounts, weights, dates, percentages, page numbers, and the
numbers pre-filled in inputs. What must stay as typed stays Latin: SKUs,
e-mails, codes (.ltr, <code>, <kbd>, English text marked lang="en")."""
import re
from html.parser import HTMLParser

import pytest

from apps.reports.views import REPORTS
from tests.helpers import text

LATIN_DIGIT = re.compile(r"[0-9]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
EXEMPT_TAGS = {"script", "style", "code", "kbd", "pre", "svg", "title", "textarea"}
EXEMPT_CLASSES = {"ltr", "sku", "email", "code"}
# Inputs that hold what staff typed as it was typed (codes, names, e-mails).
TYPED_AS_IS = {"sku", "barcode", "email", "code", "search", "q", "next", "csrfmiddlewaretoken", "reference",
               "phone", "postal_code", "economic_code", "national_id", "name", "full_name"}


class LatinDigits(HTMLParser):
    """Text and input values with Latin digits outside the places they belong."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it exempt (or inside one)?
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        exempt = (bool(self.stack) and self.stack[-1]) or tag in EXEMPT_TAGS or bool(classes & EXEMPT_CLASSES) \
            or attrs.get("lang") == "en"
        if tag == "input" and not exempt:
            self._input(attrs)
        if tag not in VOID:
            self.stack.append(exempt)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and LATIN_DIGIT.search(data):
            self.found.append(data.strip()[:80])

    def _input(self, attrs):
        if attrs.get("type") in ("hidden", "submit", "checkbox", "radio", "password", "email") or attrs.get("name") in TYPED_AS_IS:
            return
        value = attrs.get("value") or ""
        if LATIN_DIGIT.search(value):
            self.found.append(f'<input name="{attrs.get("name")}" value="{value}">')


# What staff typed is shown as typed (names of items, terminals, branches).
TYPED = ["18k ring", "Counter 1", "Silver chain"]


def latin_digits(html: str) -> list[str]:
    for typed in TYPED:
        html = html.replace(typed, "")
    parser = LatinDigits()
    parser.feed(html)
    return parser.found


def staff_pages(client, world) -> list[str]:
    dashboard = text(client.get("/"))
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', dashboard, re.S).group(1)
    pages = re.findall(r'href="(/[^"]*)"', nav)
    pages += [f"/inventory/{world.ring_id}/", f"/inventory/{world.ring_id}/edit/", "/inventory/new/",
              f"/customers/{world.customer_id}/", "/customers/new/", f"/sales/{world.sale_id}/",
              "/accounts/mfa/", "/accounts/password/"]
    pages += [f"/reports/{name}/" for name in REPORTS]
    return list(dict.fromkeys(pages))


@pytest.fixture
def persian(shop, world):
    shop.language = "fa"
    shop.save()
    return shop


def test_the_scanner_finds_latin_digits():
    html = ('<p>3 فروش</p><p class="ltr">SKU-12</p><code>12</code><input name="weight" value="5.000">'
            '<input name="sku" value="R-1"><input type="hidden" name="x" value="9"><p lang="en">English 2</p><br><p>۳</p>')
    assert latin_digits(html) == ["3 فروش", '<input name="weight" value="5.000">']


def test_every_staff_page_shows_persian_digits_in_persian(persian, world, as_owner):
    pages = staff_pages(as_owner, world)
    assert len(pages) >= 20, pages
    found = {}
    for path in pages:
        response = as_owner.get(path)
        assert response.status_code == 200, (path, response.status_code)
        latin = latin_digits(text(response))
        if latin:
            found[path] = latin
    assert not found, "\n".join(f"{path}: {latin}" for path, latin in found.items())
