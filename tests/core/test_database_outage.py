"""PostgreSQL crashes under load and comes back (issue 12, acceptance 2).

The test starts a PostgreSQL server of its own (tests/private_postgres.py),
migrates it and provisions a shop there, serves the project with gunicorn
on it and drives real HTTP from threads: POS terminals selling and pushing
with their device tokens, the staff API with a JWT, staff pages and the
admin with a session, the platform host and the health checks. Mid-load the
server is killed (`pg_ctl stop -m immediate`), the load goes on, the server
is started again. Every answer is kept: none may be a 500, every failure
must be `503 temporarily_unavailable` with Retry-After in the one error body
(a page in the browser), every kind of request must succeed again after the
restart, and every sale the terminals recorded must be in the database
exactly once, with the id the server answered."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from pos_terminal.client import Terminal
from pos_terminal.errors import TerminalError
from tests.conftest import child_env
from tests.helpers import PASSWORD
from tests.private_postgres import PrivatePostgres, free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.live_server

DOMAIN = "outage.localhost"
TERMINALS = 4
KINDS = ("pos", "staff api", "pages", "platform")

SETUP = f"""
import django, json
django.setup()
from decimal import Decimal
from django.core.management import call_command
call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
call_command("setup_platform", verbosity=0)
from apps.branches.services import terminal_create
from apps.inventory.services import gold_rate_set, item_create
from apps.pos_sync.services import enrollment_code_issue
from tests.helpers import shop_of_its_own
from tests.vectors import PLAIN_RING
tenant, owner, branch, category = shop_of_its_own("outage", "Outage Jewellers")
common = dict(PLAIN_RING, actor=owner, category=category, branch=branch, stone_value=Decimal("0"))
for n in range(5):
    item_create(**common, sku=f"RING-{{n}}", name=f"Ring {{n}}", quantity=100_000)
gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
codes = [enrollment_code_issue(terminal=terminal_create(branch=branch, name=f"T{{n}}")).code for n in range({TERMINALS})]
print(json.dumps({{"schema": tenant.schema_name, "codes": codes}}))
"""


@dataclass
class Answer:
    kind: str
    phase: str
    method: str
    path: str
    status: int | None
    started: float = 0.0
    received: float = 0.0
    headers: httpx.Headers | None = None
    content: bytes = b""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


class Recorder:
    """Every answer of the run, with the phase it arrived in."""

    def __init__(self):
        self.answers: list[Answer] = []
        self.phase = "before"
        self.lock = threading.Lock()

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def client(self, kind: str, url: str, **options) -> httpx.Client:
        def on_request(request: httpx.Request):
            request.extensions["started"] = time.monotonic()

        def on_response(response: httpx.Response):
            response.read()
            request = response.request
            self.add(Answer(kind, self.phase, request.method, request.url.path, response.status_code,
                            request.extensions["started"], time.monotonic(), response.headers, response.content))

        return httpx.Client(base_url=url, timeout=30, trust_env=False,
                            event_hooks={"request": [on_request], "response": [on_response]}, **options)

    def seen(self, kind: str, phase: str, test) -> bool:
        with self.lock:
            return any(a.kind == kind and a.phase == phase and test(a) for a in self.answers)


def acceptable(answer: Answer) -> bool:
    """A success, or the one temporary failure in its one format."""
    if answer.path == "/healthz":
        return answer.status == 200
    if answer.path == "/readyz":  # as today: its own body, 503 while the database is down
        return answer.status in (200, 503) and json.loads(answer.content)["status"] in ("ok", "unavailable")
    if answer.ok:
        return True
    if answer.status != 503 or not answer.headers.get("Retry-After", "").isdigit():
        return False
    if answer.path.startswith("/api/"):
        body = json.loads(answer.content)
        return (answer.headers["Content-Type"] == "application/json" and set(body) == {"error"}
                and set(body["error"]) == {"code", "message", "details"} and body["error"]["code"] == "temporarily_unavailable")
    return answer.headers["Content-Type"].startswith("text/html") and b"error code: temporarily_unavailable" in answer.content


@pytest.fixture(scope="module")
def postgres():
    try:
        server = PrivatePostgres()
    except FileNotFoundError as exc:  # e.g. the test image, whose PostgreSQL is another container
        pytest.skip(str(exc))
    try:
        server.start()
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE zargar")
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def shop_env(postgres):
    """The shop provisioned on the private server, and the environment that
    serves it (test settings, persistent connections as in production)."""
    tag = uuid.uuid4().hex[:8]
    env = child_env(DATABASE_URL=postgres.url("zargar"), DB_CONN_MAX_AGE="60", CACHE_KEY_PREFIX=f"zargar-outage-{tag}",
                    CELERY_TASK_DEFAULT_QUEUE=f"zargar-outage-{tag}", LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    yield json.loads(done.stdout.strip().splitlines()[-1]), env
    import redis

    redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")).delete(env["CELERY_TASK_DEFAULT_QUEUE"])


@contextmanager
def gunicorn(env: dict, log: Path, *, workers: int, threads: int):
    """gunicorn serving the project; yields its URL once /healthz answers."""
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread" if threads > 1 else "sync",
             "--no-control-socket", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: httpx.get(f"{url}/healthz", headers={"Host": "localhost"}, timeout=1).status_code == 200, 60)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def _wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not reached within {seconds} s")


def _signed_in(url: str) -> tuple[str, dict]:
    """A JWT for the staff API and the session cookies of the staff pages."""
    with httpx.Client(base_url=url, headers={"Host": DOMAIN}, trust_env=False, timeout=30) as client:
        token = client.post("/api/v1/auth/token/", json={"email": "owner@outage.test", "password": PASSWORD}).json()["access"]
        client.get("/accounts/login/")
        login = client.post("/accounts/login/", data={"username": "owner@outage.test", "password": PASSWORD,
                                                      "csrfmiddlewaretoken": client.cookies["csrftoken"]})
        assert login.status_code == 302, login.text[:500]
        return token, dict(client.cookies)


@pytest.fixture
def served(shop_env, tmp_path):
    shop, env = shop_env
    with gunicorn(env, tmp_path / "gunicorn.log", workers=2, threads=4) as url:
        yield url, shop


def test_postgres_crash_under_load_answers_503_and_loses_nothing(postgres, served, tmp_path):
    url, shop = served
    token, cookies = _signed_in(url)
    recorder, stop = Recorder(), threading.Event()
    paths = []
    for n, code in enumerate(shop["codes"]):
        with Terminal(tmp_path / f"t{n}.sqlite", url, DOMAIN, max_attempts=3) as terminal:
            terminal.enroll(code, name=f"T{n}")
            terminal.pull()
            paths.append(terminal.store.path)
    with Terminal(paths[0]) as terminal:
        rings = [row["id"] for row in terminal.store.rows("items")]

    def pos(path, n):
        def transport_error(method, path, status, seconds, error):
            if error is not None:
                recorder.add(Answer("pos", recorder.phase, method, path, None, error=repr(error)))

        with Terminal(path, max_attempts=1, http=recorder.client("pos", url), on_request=transport_error) as terminal:
            while not stop.is_set():
                terminal.sell([(rings[n % len(rings)], 1)])
                try:
                    terminal.push()
                except TerminalError:  # a 503 is recorded by the hook; the queue is kept and sent again
                    pass
                time.sleep(0.05)

    def loop(kind, client, calls):
        with client:
            while not stop.is_set():
                for host, path in calls:
                    try:
                        client.get(path, headers={"Host": host})
                    except httpx.HTTPError as exc:
                        recorder.add(Answer(kind, recorder.phase, "GET", path, None, error=repr(exc)))
                    time.sleep(0.05)

    threads = [threading.Thread(target=pos, args=(path, n)) for n, path in enumerate(paths)] + [
        threading.Thread(target=loop, args=("staff api", recorder.client("staff api", url, headers={"Authorization": f"Bearer {token}"}),
                                            [(DOMAIN, "/api/v1/items/"), (DOMAIN, "/api/v1/customers/")])),
        threading.Thread(target=loop, args=("pages", recorder.client("pages", url, cookies=cookies),
                                            [(DOMAIN, "/"), (DOMAIN, "/customers/"), (DOMAIN, "/admin/")])),
        threading.Thread(target=loop, args=("platform", recorder.client("platform", url),
                                            [("localhost", "/"), ("localhost", "/healthz"), (DOMAIN, "/readyz")])),
    ]
    for thread in threads:
        thread.start()
    try:
        _wait_for(lambda: all(recorder.seen(kind, "before", lambda a: a.ok) for kind in KINDS), 60)
        time.sleep(1)  # under load
        recorder.phase = "outage"
        postgres.stop("immediate")
        _wait_for(lambda: all(recorder.seen(kind, "outage", lambda a: not a.ok) for kind in KINDS), 60)
        time.sleep(1)  # more of the load against a server that is down
        recorder.phase = "after"
        postgres.start()
        _wait_for(lambda: all(recorder.seen(kind, "after", lambda a: a.ok and a.path != "/healthz") for kind in KINDS), 60)
        time.sleep(2)  # and on, against the restarted server
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    answers = recorder.answers
    assert not [a for a in answers if a.status is not None and a.status >= 500 and a.status != 503]  # no 500, ever
    wrong = [(a.kind, a.phase, a.method, a.path, a.status, a.error, a.content[:300]) for a in answers if not acceptable(a)]
    assert not wrong, wrong[:5]
    assert sum(a.status == 503 and a.path != "/readyz" for a in answers) >= len(KINDS)
    # Once the restarted server has answered one request, every request sent
    # after that succeeds: no process keeps a connection that broke.
    back = min(a.received for a in answers if a.phase == "after" and a.ok and a.path not in ("/healthz", "/readyz"))
    late = [(a.kind, a.path, a.status) for a in answers if a.started > back and not a.ok]
    assert not late, late[:5]

    # Every sale recorded on a terminal is in the database once, under the id the server answered.
    sold = {}
    for path in paths:
        with Terminal(path, url, DOMAIN, max_attempts=10, backoff_cap=1) as terminal:
            while terminal.store.pending_count():
                terminal.push()
            for op in terminal.store.operations():
                assert op.state in ("applied", "duplicate"), op
                sold[op.client_sale_id] = op.server_id
    with psycopg.connect(postgres.url("zargar")) as conn:
        rows = conn.execute(f'SELECT client_sale_id::text, id::text FROM "{shop["schema"]}".sales_sale').fetchall()
    assert len(rows) == len(sold) > TERMINALS
    assert dict(rows) == sold


def test_a_connection_that_broke_while_idle_is_replaced_before_use(postgres, shop_env, tmp_path):
    """One gunicorn process, one thread: its kept connection dies with the
    server while no request is running. The first request after the restart
    must not be the one that finds out."""
    shop, env = shop_env
    with gunicorn(env, tmp_path / "gunicorn-one.log", workers=1, threads=1) as url:
        with httpx.Client(base_url=url, headers={"Host": "localhost"}, trust_env=False, timeout=30) as client:
            assert client.get("/").status_code == 200  # the landing page: the tenant lookup keeps a connection
            postgres.stop("immediate")
            postgres.start()
            response = client.get("/")
    assert response.status_code == 200, response.text[:300]
