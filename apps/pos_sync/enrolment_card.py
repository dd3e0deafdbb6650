"""What a terminal needs to enrol, as the code page shows it: the shop's
server address and the code, as text and as one QR code
(docs/sync-protocol.md, "Enrolment": the payload is
`{"server": "<address>", "code": "<code>"}`, compact JSON)."""
import json

from django.conf import settings


def shop_server_address(request) -> str:
    """The address terminals must use: the shop's primary domain (not the
    host the manager happened to use), https wherever the site is served
    over https (production redirects every request there); in development
    with the port the page came in on."""
    tenant = request.tenant
    domain = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first() or request.get_host().split(":")[0]
    secure = request.is_secure() or getattr(settings, "SECURE_SSL_REDIRECT", False)
    port = request.get_port()
    suffix = "" if secure or port in ("80", "") else f":{port}"
    return f"{'https' if secure else 'http'}://{domain}{suffix}"


def enrolment_payload(*, server: str, code: str) -> str:
    """The QR code's text: compact JSON with the two keys, in this order."""
    return json.dumps({"server": server, "code": code}, separators=(",", ":"), ensure_ascii=False)
