"""Code 128 barcodes drawn as SVG on the server (python-barcode encodes)."""
from barcode import Code128
from django.utils.html import escape


def code128_modules(text: str) -> str:
    """The bar pattern: '1' a dark module, '0' a light one, quiet zones excluded."""
    return Code128(text).build()[0]


def code128_svg(text: str, *, module_width: float = 2.0, height: float = 60.0, quiet: int = 10) -> str:
    modules = code128_modules(text)
    rects, x, run = [], quiet, 0
    for i, bit in enumerate(modules + "0"):
        if bit == "1":
            run += 1
            continue
        if run:
            start = x + (i - run)
            rects.append(f'<rect x="{start * module_width:g}" y="0" width="{run * module_width:g}" height="{height:g}"/>')
            run = 0
    width = (len(modules) + 2 * quiet) * module_width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label="{escape(text)}" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" data-modules="{len(modules)}">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(rects)}</g></svg>'
    )
