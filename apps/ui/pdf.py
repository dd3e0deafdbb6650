"""PDF documents (invoices, reports) with fpdf2. Persian is shaped with
arabic-reshaper and put in visual order with python-bidi; the font is
DejaVu Sans from Debian's fonts-dejavu-core, which covers Persian letters.

A long table runs over as many pages as it needs, its header row repeated
at the top of each; every page is numbered "Page n of m" in the document's
digits (Persian in a right-to-left document). fpdf2's own `{nb}` alias
would write m in Latin digits, so the document is laid out twice: once to
count its pages, once to draw them with the count."""
import re
from dataclasses import dataclass, field
from pathlib import Path

from arabic_reshaper import reshape
from bidi import get_display
from django.utils.translation import gettext as _
from fpdf import FPDF

from apps.core.errors import ApplicationError
from apps.ui.formatting import localize_digits

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# Wrap a value in these to keep it one left-to-right run (an invoice label, a
# phone) inside Persian text, or one run in the direction of its own first
# letter (a name, an address: "12 Bazaar Street" stays in order on a Persian
# page); they steer the bidi algorithm and are not drawn.
LTR = ("\u2066", "\u2069")
AUTO = ("\u2068", "\u2069")
_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


# Vazirmatn (npm "vazirmatn", copied to static/vendor/ by scripts/frontend.sh)
# draws Persian as the staff pages do; DejaVu is the fallback without it.
_ROOT = Path(__file__).resolve().parent.parent.parent
VAZIRMATN_DIRS = (_ROOT / "static" / "vendor" / "vazirmatn", _ROOT / "node_modules" / "vazirmatn" / "fonts" / "ttf")
VAZIRMATN_FILES = {"": "Vazirmatn-Regular.ttf", "B": "Vazirmatn-Bold.ttf"}


def font_paths() -> dict[str, Path]:
    for folder in VAZIRMATN_DIRS:
        if all((folder / name).is_file() for name in VAZIRMATN_FILES.values()):
            return {style: folder / name for style, name in VAZIRMATN_FILES.items()}
    found = {}
    for style, name in FONT_FILES.items():
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                found[style] = folder / name
                break
    if "" not in found:
        raise ApplicationError(
            "pdf_font_missing", "The PDF font (DejaVu Sans, Debian package fonts-dejavu-core) is not installed.", status=503
        )
    found.setdefault("B", found[""])
    return found


def visual(text, rtl: bool) -> str:
    """Text as it must be drawn left to right: Persian letters joined and
    right-to-left runs reversed."""
    text = "" if text is None else str(text)
    if not text or not (rtl or _ARABIC.search(text)):
        return text.translate(_ISOLATES)
    return get_display(reshape(text), base_dir="R" if rtl else "L").translate(_ISOLATES)


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # columns aligned as numbers
    footer: list[str] | None = None
    caption: str = ""


class _Document(FPDF):
    def __init__(self, *, rtl: bool, title: str, orientation: str, pages: int | None = None):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.rtl = rtl
        self.doc_title = title
        self.pages_total = pages  # None while the first layout counts them
        self.header_pages: list[int] = []  # the pages a table's header row was drawn on
        self.alias_nb_pages(None)  # a "{nb}" typed in a name stays as typed
        for style, path in font_paths().items():
            self.add_font("DejaVu", style=style, fname=str(path))
        self.set_font("DejaVu", size=9)
        self.set_auto_page_break(auto=True, margin=14)
        self.set_title(title)
        self.set_creator("Zargar")

    def page_text(self) -> str:
        """"Page 2 of 5" ("صفحهٔ ۲ از ۵"), in the document's digits."""
        language = "fa" if self.rtl else "en"
        number = lambda n: localize_digits(n, language)  # noqa: E731
        return _("Page %(page)s of %(pages)s") % {"page": number(self.page_no()), "pages": number(self.pages_total or self.page_no())}

    def footer(self):
        self.set_y(-10)
        self.set_font("DejaVu", size=7)
        self.cell(0, 5, visual(f"{self.page_text()} · {self.doc_title}", self.rtl), align="C")

    def line_text(self, text: str, *, size: int = 9, bold: bool = False, height: float = 6):
        self.set_font("DejaVu", style="B" if bold else "", size=size)
        self.cell(0, height, visual(text, self.rtl), align="R" if self.rtl else "L", new_x="LMARGIN", new_y="NEXT")

    def _fit(self, text: str, width: float) -> str:
        if self.get_string_width(text) <= width - 2:
            return text
        while text and self.get_string_width(text + "…") > width - 2:
            text = text[1:] if self.rtl else text[:-1]
        return ("…" + text) if self.rtl else (text + "…")

    def _wrap(self, text: str, width: float, most: int = 4) -> list[str]:
        """A cell's text in lines that fit `width`, broken between words in
        reading order (each line is then put in visual order by itself, so
        Persian wraps from the right); a word too long for a line, or a
        fifth line, ends in "…"."""
        if self.get_string_width(visual(text, self.rtl)) <= width - 2:
            return [text]
        lines, current = [], ""
        for word in text.split():
            trial = f"{current} {word}" if current else word
            if current and self.get_string_width(visual(trial, self.rtl)) > width - 2:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
        if len(lines) > most:
            lines = lines[:most - 1] + [" ".join(lines[most - 1:])]
        return lines

    def _column_widths(self, every: list[list[str]], count: int, sizes=(8, 7.5, 7, 6.5, 6)) -> tuple[float, list[float]]:
        """A font size and column widths from the drawn width of the widest
        text of each column (bold, as a header is), so figures are not cut
        short: the largest size at which every column fits, the spare width
        shared out; a column of long text takes at most a third of the page.
        When nothing fits even at the smallest size, widths in proportion
        (the widest texts end in "…")."""
        usable = self.w - self.l_margin - self.r_margin
        for size in sizes:
            self.set_font("DejaVu", style="B", size=size)
            natural = [min(max(self.get_string_width(visual(row[i], self.rtl)) for row in every) + 2.5, usable / 3)
                       for i in range(count)]
            if sum(natural) <= usable:
                spare = (usable - sum(natural)) / count
                return size, [n + spare for n in natural]
        return sizes[-1], [usable * n / sum(natural) for n in natural]

    def table(self, table: Table):
        if table.caption:
            self.ln(2)
            self.line_text(table.caption, size=10, bold=True, height=7)
        count = len(table.columns)
        every = [table.columns, *table.rows, *([table.footer] if table.footer else [])]
        size, widths = self._column_widths(every, count)
        order = list(reversed(range(count))) if self.rtl else list(range(count))

        def header():
            self.header_pages.append(self.page_no())
            row(table.columns, bold=True, fill=True)

        def row(cells, *, bold=False, fill=False):
            self.set_font("DejaVu", style="B" if bold else "", size=size)
            wrapped = {i: self._wrap("" if cells[i] is None else str(cells[i]), widths[i]) for i in order}
            lines = max(len(texts) for texts in wrapped.values())
            height = 6 if lines == 1 else 4.2 * lines + 1.8
            if self.will_page_break(height) and height > 6:
                self.add_page()
            top = self.get_y()
            for i in order:
                align = "R" if (self.rtl or i in table.numeric) else "L"
                if lines == 1:
                    self.cell(widths[i], 6, self._fit(visual(cells[i], self.rtl), widths[i]), border=1, align=align, fill=fill)
                    continue
                left = self.get_x()
                self.rect(left, top, widths[i], height, style="DF" if fill else "D")
                for n, text in enumerate(wrapped[i]):
                    self.set_xy(left, top + 0.9 + 4.2 * n)
                    self.cell(widths[i], 4.2, self._fit(visual(text, self.rtl), widths[i]), align=align)
                self.set_xy(left + widths[i], top)
            self.set_xy(self.l_margin, top + height)

        self.set_fill_color(235, 235, 235)
        if self.will_page_break(12):  # a header alone at the foot of a page: start the table on the next
            self.add_page()
        header()
        for cells in [*table.rows, *([table.footer] if table.footer else [])]:
            if self.will_page_break(6):
                self.add_page()
                header()
            row(cells, bold=cells is table.footer, fill=cells is table.footer)


def document_layout(*, title: str, rtl: bool, header=(), tables=(), closing=(), landscape: bool = False,
                    pages: int | None = None) -> _Document:
    """The document laid out (not yet written), `pages` long."""
    doc = _Document(rtl=rtl, title=title, orientation="L" if landscape else "P", pages=pages)
    doc.add_page()
    doc.line_text(title, size=14, bold=True, height=9)
    for text in header:
        doc.line_text(text)
    for table in tables:
        doc.table(table)
    if closing:
        doc.ln(3)
        for text in closing:
            doc.line_text(text, bold=True)
    return doc


def document_pdf(*, title: str, rtl: bool, header: list[str] = (), tables: list[Table] = (),
                 closing: list[str] = (), landscape: bool = False) -> bytes:
    parts = {"title": title, "rtl": rtl, "header": header, "tables": tables, "closing": closing, "landscape": landscape}
    pages = document_layout(**parts, pages=None).page_no()
    return bytes(document_layout(**parts, pages=pages).output())
