"""No template of ours puts script or style inline: the CSP (apps.core.csp)
would refuse it, and the page would break in the browser only. This finds it
in every template, also the ones the browser test does not open."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("apps/*/templates/**/*.html")])

INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def without_comments(text: str) -> str:
    return re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", "", text, flags=re.S)


def test_the_templates_are_found():
    assert len(TEMPLATES) > 30 and ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template):
    text = without_comments(template.read_text(encoding="utf-8"))
    found = [f"{kind}: {match.group(0)[:80]!r}" for kind, pattern in INLINE.items() for match in pattern.finditer(text)]
    assert found == []


@pytest.mark.parametrize("snippet, kind", [
    ("<script>alert(1)</script>", "inline script"),
    ('<script type="module">x()</script>', "inline script"),
    ('<button onclick="go()">', "event handler attribute"),
    ('<input id="x" onchange="go()">', "event handler attribute"),
    ("<style>p{}</style>", "style element"),
    ('<p style="color: red">', "style attribute"),
    ('<a href="javascript:go()">', "javascript: URL"),
])
def test_the_patterns_find_what_they_look_for(snippet, kind):
    assert INLINE[kind].search(snippet)


@pytest.mark.parametrize("snippet", [
    '<script src="/static/ui/app.js" defer></script>',
    '<script id="data" type="application/json">{"a": 1}</script>',
    '<button data-confirm="Sure?" class="btn">',
    '<input name="note" class="note" data-online="1">',
])
def test_the_patterns_leave_what_the_policy_allows(snippet):
    assert not any(pattern.search(snippet) for pattern in INLINE.values())
