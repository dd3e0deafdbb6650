"""The one reading of a request's client address (apps.core.clientip)."""
import pytest
from django.test import RequestFactory

from apps.core.clientip import client_ip


def request(remote="203.0.113.9", xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("xff", [None, "", "198.51.100.1", "198.51.100.1, 192.0.2.4", "not an address"])
def test_no_trusted_proxy_means_the_socket_address_whatever_the_headers(settings, xff):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(xff=xff)) == "203.0.113.9"


@pytest.mark.parametrize("count, xff, client", [
    (1, "198.51.100.1", "198.51.100.1"),
    (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own claim on the left is ignored
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.5", "198.51.100.1"),  # balancer, then ingress
    (2, "198.51.100.1", "198.51.100.1"),  # proxies that replace the header instead of appending
    (1, "", "203.0.113.9"),  # nothing forwarded: the peer itself
    (1, "198.51.100.1:51234", "198.51.100.1"),  # a balancer that appends the port
    (1, "[2001:db8::1]:443", "2001:db8::1"),
    (1, "::ffff:198.51.100.1", "198.51.100.1"),
    (1, "garbage, <script>", "203.0.113.9"),  # never something that is not an address
])
def test_behind_trusted_proxies_the_address_the_outermost_one_saw(settings, count, xff, client):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(xff=xff)) == client


def test_trusted_networks_limit_who_may_forward(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert client_ip(request("10.1.2.3", "198.51.100.1")) == "198.51.100.1"
    assert client_ip(request("fd00::5", "198.51.100.1")) == "198.51.100.1"
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_no_usable_socket_address_is_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(remote="")) is None
