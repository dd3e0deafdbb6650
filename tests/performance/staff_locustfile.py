"""
Locust load of the staff pages: people in browsers on a busy shop's site.
A benchmark, not a test: `scripts/bench_ui.py` (`make bench-ui`) seeds the
shop, starts gunicorn, logs every user in before the measured window and
runs this file; docs/performance.md ("Staff pages at 20 users") has figures.

Needs PERF_UI_SETUP: the JSON bench_ui.py writes (mode 0600): the shop host,
one logged-in session per user (cookies), what to pick from (items that can
be sold, customers, recent sales, branches) and the navigation's links.

Every request is named by kind: "page ..." (a whole staff page, target p95
< 300 ms), "htmx ..." (a counter action answered with the POS panel, target
p95 < 100 ms), "pdf ..." (the invoice PDF). One Locust process only.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.exception import StopUser

_setup: dict | None = None
_sessions = itertools.count()
_lock = threading.Lock()
_run: dict = {}

REPORTS = ("daily", "products", "categories", "customers", "valuation", "low-stock")
AMOUNT = re.compile(r'name="amount"[^>]*value="([^"]*)"')


def setup() -> dict:
    global _setup
    if _setup is None:
        _setup = json.loads(Path(os.environ["PERF_UI_SETUP"]).read_text())
    return _setup


class StaffUser(HttpUser):
    """One member of staff on their own session: the pages of the
    navigation, and sales at the counter."""

    wait_time = between(float(os.environ.get("PERF_WAIT_MIN", "1")), float(os.environ.get("PERF_WAIT_MAX", "3")))

    def on_start(self):
        data = setup()
        with _lock:
            n = next(_sessions)
        if n >= len(data["sessions"]):
            raise StopUser()  # more users than logged-in sessions
        self.picks = data["picks"]
        self.client.trust_env = False
        self.client.headers.update({"Host": data["shop_host"], "X-Forwarded-Proto": "https"})
        self.referer = f"https://{data['shop_host']}"
        # requests matches cookies against the Host header's name, not the URL's
        for name, value in data["sessions"][n].items():
            self.client.cookies.set(name, value, domain=data["shop_host"], path="/")
        self.csrf = data["sessions"][n]["csrftoken"]
        # links of the navigation the tasks below do not know (bench_ui_run.KNOWN_PATHS)
        self.extra_paths = data.get("nav", [])
        self.panel = ""
        # `make bench-web` also hands each user an API token: the REST API's
        # lists and details and a one-item sale join the mix
        self.token = data["sessions"][n].get("token") if data.get("api") else None
        if not self.token:  # the staff pages alone (bench-ui): the API's tasks are not in the mix at all
            self.tasks = [task for task in self.tasks if task not in (StaffUser.api_reads, StaffUser.api_sale)]

    # ------------------------------------------------------------------
    # requests

    def _insecure_cookies(self):
        # Production cookies are Secure; the bench speaks plain HTTP to
        # gunicorn (behind a pretend TLS proxy), where a client would not
        # send them back. The server does not care.
        for cookie in self.client.cookies:
            cookie.secure = False

    def _check(self, response, *, expect: int = 200, marker: str | None = None) -> bool:
        if response.status_code != expect:
            response.failure(f"HTTP {response.status_code}")
            return False
        if marker and marker not in response.text:
            response.failure(f"no {marker!r} in the answer")
            return False
        response.success()
        return True

    def page(self, url: str, name: str, marker: str | None = None):
        with self.client.get(url, name=f"page {name}", allow_redirects=False, catch_response=True) as response:
            ok = self._check(response, marker=marker)
        self._insecure_cookies()
        return response if ok else None

    def htmx(self, method: str, url: str, name: str, *, data: dict | None = None, expect: int = 200,
             marker: str | None = 'id="pos"'):
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf, "Referer": f"{self.referer}/pos/"}
        with self.client.request(method, url, name=f"htmx {method} {name}", data=data, headers=headers,
                                 allow_redirects=False, catch_response=True) as response:
            ok = self._check(response, expect=expect, marker=marker)
        self._insecure_cookies()
        if ok and marker == 'id="pos"':
            self.panel = response.text
        return response if ok else None

    # ------------------------------------------------------------------
    # the counter: a one-item sale, as a cashier makes it

    @task(6)
    def counter_sale(self):
        self.panel = ""
        counter = self.page("/pos/", "/pos/ (counter)", marker='id="pos"')
        if counter is not None and 'class="cart-line"' in counter.text:  # left from a sale that did not go through
            self.htmx("POST", "/pos/clear/", "/pos/clear/")
        item = random.choice(self.picks["items"])
        words = item["name"].split()
        # a typed name lists what matches; "ring 12" finds a dozen items
        self.htmx("POST", "/pos/scan/", "/pos/scan/ (search)", data={"code": f"{words[-2]} {words[-1][:2]}"})
        self.htmx("POST", "/pos/add/", "/pos/add/", data={"item_id": item["id"]})
        if random.random() < 0.3:  # changed their mind: take it out, scan it back in
            self.htmx("POST", "/pos/lines/0/", "/pos/lines/[i]/ (remove)", data={"action": "remove"})
            self.htmx("POST", "/pos/scan/", "/pos/scan/ (SKU)", data={"code": item["sku"]})
        if random.random() < 0.5:
            customer = random.choice(self.picks["customers"])
            # a name, or the phone as people type it: 0912... for +98912...
            query = customer["name"].split()[-1] if random.random() < 0.5 else f"0{customer['phone'][3:]}"
            self.htmx("GET", f"/pos/customer/search/?q={query}", "/pos/customer/search/", marker=None)
            self.htmx("POST", "/pos/customer/", "/pos/customer/", data={"customer_id": customer["id"]})
        amount = AMOUNT.search(self.panel)  # "Left to pay", pre-filled in the payment form
        if amount is None:
            return
        self.htmx("POST", "/pos/payments/", "/pos/payments/", data={"method": random.choice(("cash", "card")),
                                                                    "amount": amount.group(1)})
        done = self.htmx("POST", "/pos/checkout/", "/pos/checkout/", expect=204, marker=None)
        target = done.headers.get("HX-Redirect") if done is not None else None
        if target:
            self.page(target, "/sales/[id]/ (invoice, just sold)", marker="<table")

    # ------------------------------------------------------------------
    # the REST API, as a client with a bearer token (bench-web only)

    def api(self, method: str, url: str, name: str, *, json_body: dict | None = None, expect: int = 200):
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": uuid.uuid4().hex, "Cookie": ""}
        with self.client.request(method, url, name=f"api {method} {name}", json=json_body, headers=headers,
                                 allow_redirects=False, catch_response=True) as response:
            ok = self._check(response, expect=expect)
        return response.json() if ok else None

    @task(6)
    def api_reads(self):
        item, customer = random.choice(self.picks["items"]), random.choice(self.picks["customers"])
        sale = random.choice(self.picks["sales"])
        url, name = random.choice([
            ("/api/v1/items/", "/api/v1/items/"), (f"/api/v1/items/?search={item['name'].split()[-1]}", "/api/v1/items/?search"),
            (f"/api/v1/items/{item['id']}/", "/api/v1/items/[id]/"), ("/api/v1/items/low-stock/", "/api/v1/items/low-stock/"),
            ("/api/v1/categories/", "/api/v1/categories/"), ("/api/v1/gold-rates/current/", "/api/v1/gold-rates/current/"),
            ("/api/v1/customers/", "/api/v1/customers/"), (f"/api/v1/customers/{customer['id']}/", "/api/v1/customers/[id]/"),
            ("/api/v1/sales/", "/api/v1/sales/"), (f"/api/v1/sales/{sale['id']}/", "/api/v1/sales/[id]/"),
            ("/api/v1/dashboard/", "/api/v1/dashboard/"), ("/api/v1/branches/", "/api/v1/branches/"),
            ("/api/v1/staff/", "/api/v1/staff/"),
        ])
        self.api("GET", url, name)

    @task(1)
    def api_sale(self):
        line = {"item_id": random.choice(self.picks["items"])["id"], "quantity": 1}
        branch = self.picks["branches"][0]
        quote = self.api("POST", "/api/v1/sales/quote/", "/api/v1/sales/quote/", json_body={"branch_id": branch, "lines": [line]})
        if quote is not None:
            self.api("POST", "/api/v1/sales/", "/api/v1/sales/ (one item)", expect=201, json_body={
                "branch_id": branch, "lines": [line], "payments": [{"method": "cash", "amount": quote.get("due") or quote["total"]}]})

    # ------------------------------------------------------------------
    # the pages of the navigation

    @task(3)
    def dashboard(self):
        self.page("/", "/ (dashboard)")

    @task(3)
    def sales(self):
        choice = random.random()
        if choice < 0.4:
            self.page("/sales/", "/sales/")
        elif choice < 0.55:
            self.page(f"/sales/?page={random.randint(2, 400)}", "/sales/?page=N")
        elif choice < 0.8:
            day = date.today() - timedelta(days=random.randint(0, 600))
            filters = random.choice([
                f"status=completed&branch_id={random.choice(self.picks['branches'])}",
                f"date_from={day - timedelta(days=7)}&date_to={day}",
                f"status=voided&date_from={day - timedelta(days=60)}&date_to={day}",
            ])
            self.page(f"/sales/?{filters}", "/sales/?filters")
        else:
            if random.random() < 0.5:
                query = random.choice(self.picks["sales"])["label"]
            else:
                query = f"0{random.choice(self.picks['customers'])['phone'][3:]}"
            self.page(f"/sales/?search={query}", "/sales/?search")

    @task(2)
    def invoice(self):
        sale = random.choice(self.picks["sales"])
        self.page(f"/sales/{sale['id']}/", "/sales/[id]/ (invoice)")

    @task(1)
    def invoice_pdf(self):
        sale = random.choice(self.picks["sales"])
        with self.client.get(f"/sales/{sale['id']}/pdf/", name="pdf /sales/[id]/pdf/", allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200 or not response.content.startswith(b"%PDF"):
                response.failure(f"HTTP {response.status_code}, not a PDF")
        self._insecure_cookies()

    @task(3)
    def inventory(self):
        choice = random.random()
        if choice < 0.4:
            self.page("/inventory/", "/inventory/")
        elif choice < 0.7:
            item = random.choice(self.picks["items"])
            self.page(f"/inventory/?q={random.choice((item['sku'][-4:], item['name'].split()[-1]))}", "/inventory/?q")
        else:
            self.page(f"/inventory/?status=in_stock&fineness=750&page={random.randint(1, 20)}", "/inventory/?filters")

    @task(2)
    def item(self):
        self.page(f"/inventory/{random.choice(self.picks['items'])['id']}/", "/inventory/[id]/")

    @task(2)
    def customers(self):
        if random.random() < 0.5:
            self.page("/customers/", "/customers/")
        else:
            customer = random.choice(self.picks["customers"])
            self.page(f"/customers/?q={customer['name'].split()[-1]}", "/customers/?q")

    @task(2)
    def customer(self):
        self.page(f"/customers/{random.choice(self.picks['customers'])['id']}/", "/customers/[id]/")

    @task(2)
    def reports(self):
        if random.random() < 0.2:
            self.page("/reports/", "/reports/")
        else:
            name = random.choice(REPORTS)
            self.page(f"/reports/{name}/", f"/reports/{name}/")

    @task(1)
    def review(self):
        self.page("/review/", "/review/")

    @task(1)
    def terminals(self):
        self.page("/terminals/", "/terminals/")

    @task(1)
    def gold_rate(self):
        self.page("/gold-rate/", "/gold-rate/")

    @task(1)
    def settings(self):
        self.page("/settings/", "/settings/")

    @task(1)
    def navigation(self):
        """Links of the navigation the tasks above do not know (pages added
        since this file was written)."""
        if self.extra_paths:
            path = random.choice(self.extra_paths)
            self.page(path, path)


@events.quit.add_listener
def _on_quit(**_kwargs):
    environment = _run.get("environment")
    if environment is not None and (out := os.environ.get("PERF_STATS_OUT")):
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tests.performance.perfdata import locust_stats_write

        locust_stats_write(environment, Path(out))


@events.init.add_listener
def _on_init(environment, **_kwargs):
    _run["environment"] = environment
