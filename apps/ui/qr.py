"""QR codes drawn as SVG on the server (segno encodes), so a page needs no
script to show one (the CSP forbids inline script)."""
import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, label: str, scale: int = 5) -> SafeString:
    """Inline SVG of `data` on a white ground with a quiet zone, readable by
    phone cameras in dark mode too; `label` (escaped by segno) is its
    accessible name."""
    svg = segno.make(data, error="m").svg_inline(scale=scale, dark="#000", light="#fff", border=4, title=label, svgclass="qr")
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))
