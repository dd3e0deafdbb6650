"""The address of the client behind a request: the one answer every
throttle and the login lockout key on.

`X-Forwarded-For` is written by whoever sends the request, so it is only
believed as far as proxies we run wrote it. With `TRUSTED_PROXY_COUNT = 0`
(the default) the client is the peer of the socket, `REMOTE_ADDR`. With N
proxies in front, each appends the address it saw, so the client is the
N-th entry from the right; whatever a client put further left is its own
claim and ignored. `TRUSTED_PROXY_NETWORKS`, when set, limits which peers
may speak for others at all: a request straight from anywhere else is
keyed on its own address, whatever headers it carries.
"""
import ipaddress
from functools import lru_cache

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address, as text (None when there is none to be had)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or remote is None or not _trusted_peer(remote):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer entries than proxies: the proxies replace the header instead of
    # appending to it, so its first entry is what the outermost one saw.
    return _address(hops[-min(count, len(hops))]) or remote


def _address(text: str) -> str | None:
    """A canonical IP address from one header entry, or None if it is not one
    (a port some balancers append is dropped)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def _trusted_peer(remote: str) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    return not networks or any(ipaddress.ip_address(remote) in network for network in networks)


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())
