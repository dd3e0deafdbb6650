"""Client addresses over real sockets (issue 12, item 4): clients on their
own loopback addresses reach the project straight, or through a real nginx
that appends to X-Forwarded-For as the docs tell operators to configure it.
The lockout and the throttles must follow the client, not the proxy, and
never what a client writes in the header itself.

The nginx tests run where an `nginx` binary is found (PATH, or NGINX=path)."""
import os
import secrets
import shutil
import socket
import subprocess
import time

import httpx
import pytest

from tests.conftest import SHOPS, run_committed

NGINX = os.environ.get("NGINX") or shutil.which("nginx")
needs_nginx = pytest.mark.skipif(not NGINX, reason="no nginx binary (install nginx or set NGINX=/path/to/nginx)")
TOKEN = "/api/v1/auth/token/"

NGINX_CONF = """
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


@pytest.fixture(autouse=True)
def _server_may_use_the_database(django_db_blocker):
    """The server thread works on committed data (no test transaction)."""
    with django_db_blocker.unblock():
        yield


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(http_server, tmp_path):
    """A real nginx on 127.0.0.1:<port> (yielded) in front of the project."""
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=tmp_path, port=port, upstream=http_server))
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((tmp_path / "error.log").read_text())
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(10)


def client_from(address: str, port: int) -> httpx.Client:
    """An HTTP client whose connections come from `address` (any 127.x works on Linux)."""
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": SHOPS["a"]["domain"]}, trust_env=False,
                        transport=httpx.HTTPTransport(local_address=address), timeout=30)


def login(client: httpx.Client, email: str, spoof: bool = True) -> httpx.Response:
    headers = {"X-Forwarded-For": "203.0.113.%d" % secrets.randbelow(250)} if spoof else {}
    return client.post(TOKEN, json={"email": email, "password": "wrong"}, headers=headers)


def recorded_addresses(email: str) -> set[str]:
    """The client addresses axes recorded for `email` (then forgets them: the server committed them)."""
    from axes.models import AccessAttempt
    from django.db import connection

    from apps.tenancy.models import Tenant

    def read_and_forget():
        connection.set_tenant(Tenant.objects.get(domains__domain=SHOPS["a"]["domain"]))
        attempts = AccessAttempt.objects.filter(username=email)
        addresses = set(attempts.values_list("ip_address", flat=True))
        attempts.delete()
        return addresses

    return run_committed(read_and_forget)


def assert_lockout_follows_the_client(port: int, limit: int):
    email = f"{secrets.token_hex(6)}@nowhere.test"
    attacker, other = client_from("127.0.0.2", port), client_from("127.0.0.3", port)
    try:
        assert [login(attacker, email).status_code for _ in range(limit - 1)] == [401] * (limit - 1)
        for _ in range(2):  # the limit-th failure locks the attacker out, whatever address he claims next
            locked = login(attacker, email)
            assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_locked"
        assert login(other, email, spoof=False).status_code == 401  # tried, not locked out
    finally:
        addresses = recorded_addresses(email)
    assert addresses == {"127.0.0.2", "127.0.0.3"}


def test_straight_to_the_server_a_made_up_forwarded_for_is_ignored(http_server, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert_lockout_follows_the_client(http_server, settings.AXES_FAILURE_LIMIT)


@needs_nginx
def test_through_nginx_the_lockout_follows_the_client(nginx, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert_lockout_follows_the_client(nginx, settings.AXES_FAILURE_LIMIT)


@needs_nginx
def test_through_nginx_the_throttle_follows_the_client(nginx, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "auth": "3/min"}}
    # Loopback addresses of this test's own, so no earlier run's counts apply.
    attacker, other = (client_from("127.%d.%d.%d" % tuple(secrets.randbelow(250) + 1 for _ in range(3)), nginx) for _ in range(2))
    emails = [f"{secrets.token_hex(6)}@nowhere.test" for _ in range(5)]
    try:
        assert [login(attacker, email).status_code for email in emails[:4]] == [401, 401, 401, 429]
        assert login(other, emails[4]).status_code == 401
    finally:
        for email in emails:
            recorded_addresses(email)
