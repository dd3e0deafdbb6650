"""
Locust load of one shop's site: POS terminals syncing and staff using the
REST API (and, with PERF_UI=1, the staff web pages). A benchmark, not a test:
`scripts/run_performance_tests.sh` prepares the data, starts gunicorn and
runs this file; tests/performance/README.md explains the figures.

Needs PERF_SETUP: the JSON written by `python -m tests.performance.prepare
prepare` (shop host, staff login, one enrolment code per terminal user).
The target is a local server (--host http://127.0.0.1:PORT); the shop is
chosen by the Host header, as a browser on bench.localhost would.

One Locust process only (no --processes / distributed workers): the
enrolment codes are handed out from this process's pool.
"""
from __future__ import annotations

import logging
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, User, between, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pos_terminal import Terminal  # noqa: E402
from pos_terminal.errors import TerminalError  # noqa: E402
from tests.performance.perfdata import SetupData, TerminalReport, locust_stats_write  # noqa: E402

POS_PREFIX = "/api/pos/v1"
PUSH_BATCH = 50

_setup: SetupData | None = None
_report = TerminalReport()
_run: dict = {}

logging.getLogger("httpx").setLevel(logging.WARNING)  # every POS call is in Locust's stats already


def setup() -> SetupData:
    global _setup
    if _setup is None:
        _setup = SetupData.load(os.environ.get("PERF_SETUP", ""))
    return _setup


class HttpStatusError(Exception):
    """A POS call answered with an error status (the terminal only raises
    once its retries are spent; every attempt is counted here)."""


# ----------------------------------------------------------------------
# POS terminals
# ----------------------------------------------------------------------


class PosTerminalUser(User):
    """A counter terminal: enrols with a one-time code, pulls the catalogue,
    then sells offline and pushes what it recorded, one batch at a time."""

    weight = int(os.environ.get("PERF_POS_WEIGHT", "3"))
    wait_time = between(0.5, 2)

    terminal: Terminal | None = None

    def on_start(self):
        code = setup().next_enrollment_code()
        if code is None:
            _report.users_without_code += 1
            raise StopUser()  # more terminal users than codes: prepare more
        path = _report.store_dir() / f"terminal-{code}.sqlite"
        self.terminal = Terminal(path, self.host, setup().shop_host, timeout=30, max_attempts=3, on_request=self._on_request)
        self.recorded = 0
        self.label = " (first)"  # enrolment-time calls are named apart: one-off costs
        try:
            self.terminal.enroll(code, name=f"locust {code}")
            self.terminal.status()
            self.terminal.pull()
        except TerminalError:
            _report.enrolment_failures += 1
            raise StopUser() from None  # the failed call is in the stats already
        finally:
            self.label = ""
        self.skus = [sku for sku in setup().sell_skus if self.terminal.store.item_find(sku)]
        if not self.skus:
            _report.enrolment_failures += 1
            raise StopUser()

    def _on_request(self, method, path, status, seconds, error):
        if error is None and status is not None and status >= 400:
            error = HttpStatusError(f"HTTP {status}")
        self.environment.events.request.fire(
            request_type=method, name=f"{POS_PREFIX}{path}{self.label if path.startswith('/sync/') else ''}", response_time=seconds * 1000,
            response_length=0, response=None, context={}, exception=error,
        )

    @task(8)
    def sell_then_push(self):
        """A few customers at the counter, then the terminal's sync tick."""
        for _ in range(random.randint(1, 6)):
            picked = random.sample(self.skus, k=random.choice((1, 1, 1, 2, 2, 3)))
            self.terminal.sell([(sku, 1) for sku in picked], payments=[(random.choice(("cash", "card")), None)])
            self.recorded += 1
        summary = self.terminal.push(max_batch=PUSH_BATCH, max_batches=1)
        _report.pushed(summary)

    @task(1)
    def handshake_and_pull(self):
        """Stock and rates come down: only what changed since the cursor."""
        self.terminal.status()
        self.terminal.pull()

    def on_stop(self):
        if self.terminal is None:
            return
        if self.terminal.store.device():
            _report.device_done(self.terminal, sales_recorded=self.recorded)
        self.terminal.close()
        self.terminal = None


# ----------------------------------------------------------------------
# staff over the REST API
# ----------------------------------------------------------------------


class StaffApiUser(HttpUser):
    """A manager on the back-office app: the stock list with filters and
    search, an item, customers, the sales list and the dashboard."""

    weight = int(os.environ.get("PERF_STAFF_WEIGHT", "1"))
    wait_time = between(1, 3)

    def on_start(self):
        self.client.trust_env = False  # straight to 127.0.0.1, never a proxy
        self.client.headers["Host"] = setup().shop_host
        self.client.headers["Accept"] = "application/json"
        if not self._login():
            raise StopUser()
        self.category_ids = [c["id"] for c in self._results("/api/v1/categories/", "/api/v1/categories/")]
        items = self._results("/api/v1/items/?page_size=100", "/api/v1/items/?page")
        customers = self._results("/api/v1/customers/?page_size=100", "/api/v1/customers/")
        self.item_ids = [i["id"] for i in items]
        self.item_words = _words(i["name"] for i in items) or ["ring"]
        self.customer_ids = [c["id"] for c in customers]
        self.customer_words = _words(c["full_name"] for c in customers) or ["a"]

    def _login(self) -> bool:
        self.client.headers.pop("Authorization", None)
        staff = setup().staff
        with self.client.post("/api/v1/auth/token/", json={"email": staff["email"], "password": staff["password"]},
                              name="/api/v1/auth/token/", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"login: HTTP {response.status_code}")
                return False
            self.client.headers["Authorization"] = f"Bearer {response.json()['access']}"
            return True

    def _get(self, url: str, name: str):
        """One GET; a 401 (the 15-minute access token ran out) is a failure
        and the next task logs in again: no retry loop."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                if response.status_code == 401:
                    self._login()
                return None
            return response.json()

    def _results(self, url: str, name: str) -> list:
        data = self._get(url, name)
        if isinstance(data, dict):
            return data.get("results") or []
        return data if isinstance(data, list) else []

    @task(4)
    def items_page(self):
        self._get(f"/api/v1/items/?page={random.randint(1, 8)}", "/api/v1/items/?page")

    @task(4)
    def items_filtered(self):
        filters = random.choice([
            f"fineness={random.choice((750, 705, 916, 585))}",
            "status=in_stock&ordering=-net_weight",
            f"net_weight_min={random.randint(1, 10)}&net_weight_max={random.randint(11, 40)}",
            "pricing_mode=fixed&ordering=fixed_price",
            f"category={random.choice(self.category_ids)}" if self.category_ids else "ordering=-created_at",
        ])
        self._get(f"/api/v1/items/?{filters}&page_size=25", "/api/v1/items/?filters")

    @task(3)
    def items_search(self):
        term = random.choice(self.item_words + [f"DEMO-00{random.randint(0, 4)}", "LOAD-001"])
        self._get(f"/api/v1/items/?search={term}", "/api/v1/items/?search")

    @task(3)
    def item_detail(self):
        if self.item_ids:
            self._get(f"/api/v1/items/{random.choice(self.item_ids)}/", "/api/v1/items/[id]/")

    @task(2)
    def customers_search(self):
        self._get(f"/api/v1/customers/?search={random.choice(self.customer_words)}", "/api/v1/customers/?search")

    @task(1)
    def customer_detail(self):
        if self.customer_ids:
            self._get(f"/api/v1/customers/{random.choice(self.customer_ids)}/", "/api/v1/customers/[id]/")

    @task(2)
    def sales_list(self):
        if random.random() < 0.5:
            self._get("/api/v1/sales/", "/api/v1/sales/")
        else:
            self._get("/api/v1/sales/?status=completed&source=offline", "/api/v1/sales/?filters")

    @task(2)
    def dashboard(self):
        self._get("/api/v1/dashboard/", "/api/v1/dashboard/")

    @task(1)
    def gold_rate(self):
        self._get("/api/v1/gold-rates/current/", "/api/v1/gold-rates/current/")


# ----------------------------------------------------------------------
# staff web pages (optional: PERF_UI=1)
# ----------------------------------------------------------------------


class StaffWebUser(HttpUser):
    """The staff site in a browser: log in, dashboard, stock, customers,
    sales. Light and optional while the UI is still being built."""

    abstract = os.environ.get("PERF_UI", "0") != "1"
    weight = int(os.environ.get("PERF_UI_WEIGHT", "1"))
    wait_time = between(2, 5)

    def on_start(self):
        self.client.trust_env = False
        self.client.headers["Host"] = setup().shop_host
        self._get("/accounts/login/", "/accounts/login/ [GET]")
        token = self.client.cookies.get("csrftoken", "")
        staff = setup().staff
        with self.client.post("/accounts/login/", data={"username": staff["email"], "password": staff["password"],
                                                        "csrfmiddlewaretoken": token},
                              headers={"Referer": f"http://{setup().shop_host}/accounts/login/"},
                              name="/accounts/login/ [POST]", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login: HTTP {response.status_code}")
                raise StopUser()
        self._insecure_cookies()

    def _insecure_cookies(self):
        # Production cookies are Secure; this run is plain HTTP on 127.0.0.1,
        # where a client would not send them back. The server does not care.
        for cookie in self.client.cookies:
            cookie.secure = False

    def _get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
        self._insecure_cookies()

    @task(2)
    def dashboard(self):
        self._get("/", "/ (dashboard)")

    @task(3)
    def stock(self):
        self._get(random.choice(["/inventory/", "/inventory/?q=DEMO-00", "/inventory/?status=in_stock&page=2"]), "/inventory/")

    @task(1)
    def customers(self):
        self._get("/customers/", "/customers/")

    @task(1)
    def sales(self):
        self._get("/sales/", "/sales/")


# ----------------------------------------------------------------------
# helpers and run events
# ----------------------------------------------------------------------


def _words(texts) -> list[str]:
    return sorted({word for text in texts for word in str(text).split() if len(word) >= 3 and not word.isdigit()})


@events.init.add_listener
def _on_init(environment, **_kwargs):
    _run["environment"] = environment
    host = urlsplit(environment.host or "").hostname
    if host not in (None, "127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing --host {environment.host}: the suite only loads a local server (http://127.0.0.1:PORT)")


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs):
    setup()  # fail early and clearly when PERF_SETUP is missing


@events.test_stop.add_listener
def _on_test_stop(environment, **_kwargs):
    if out := os.environ.get("PERF_TERMINALS_OUT"):
        _report.write(Path(out))


@events.quit.add_listener
def _on_quit(**_kwargs):
    """After every user stopped: Locust's CSV files are written on a timer
    and miss what finished during --stop-timeout; this file does not."""
    environment = _run.get("environment")
    if environment is not None:
        if out := os.environ.get("PERF_TERMINALS_OUT"):
            _report.write(Path(out))
        if out := os.environ.get("PERF_STATS_OUT"):
            locust_stats_write(environment, Path(out))
    _report.cleanup()
