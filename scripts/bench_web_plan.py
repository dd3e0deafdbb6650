"""
What `make bench-web` asks for, one request at a time, and what the profiler
(scripts/profile_web.py) profiles: every staff page, the counter's htmx
actions, the REST API's lists and details, and a one-item sale through the
API (a quote, then the sale). One plan, named as the locustfiles name the
requests ("page ...", "htmx ...", "api ...", "pdf ..."), so the CPU pass and
the Locust run line up.

A step is (name, method, url, data). `data` may be a function of the last
answers (Answers): the payment form's pre-filled amount, the quote's total.
"""
from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field

AMOUNT = re.compile(r'name="amount"[^>]*value="([^"]*)"')
REPORTS = ("daily", "products", "categories", "customers", "valuation", "low-stock")


@dataclass
class Answers:
    """What the steps so far answered that a later step needs."""

    panel: str = ""  # the counter panel's last HTML
    quote: dict = field(default_factory=dict)  # the API quote's JSON

    def keep(self, name: str, response) -> None:
        if name.startswith("htmx") and 'id="pos"' in response.text:
            self.panel = response.text
        elif name.startswith("api POST /api/v1/sales/quote/") and response.status_code == 200:
            self.quote = response.json()


def kind_of(name: str) -> str:
    return name.split(" ", 1)[0]


def _counter_payment(answers: Answers) -> dict:
    amount = AMOUNT.search(answers.panel)
    return {"method": "cash", "amount": amount.group(1) if amount else "0"}


def pages(picks: dict, extra_paths: list[str]) -> list[tuple]:
    item = random.choice(picks["items"])
    customer = random.choice(picks["customers"])
    sale = random.choice(picks["sales"])
    words = item["name"].split()
    report = random.choice(REPORTS)
    found = [
        ("page / (dashboard)", "/"), ("page /sales/", "/sales/"), ("page /sales/?page=N", f"/sales/?page={random.randint(2, picks.get('sale_pages', 400))}"),
        ("page /sales/?filters", f"/sales/?status=completed&branch_id={random.choice(picks['branches'])}"),
        ("page /sales/?search", f"/sales/?search=0{customer['phone'][3:]}"),
        ("page /sales/[id]/ (invoice)", f"/sales/{sale['id']}/"), ("pdf /sales/[id]/pdf/", f"/sales/{sale['id']}/pdf/"),
        ("page /inventory/", "/inventory/"), ("page /inventory/?q", f"/inventory/?q={words[-1]}"),
        ("page /inventory/?filters", f"/inventory/?status=in_stock&fineness=750&page={random.randint(1, picks.get('item_pages', 20))}"),
        ("page /inventory/[id]/", f"/inventory/{item['id']}/"), ("page /customers/", "/customers/"),
        ("page /customers/?q", f"/customers/?q={customer['name'].split()[-1]}"),
        ("page /customers/[id]/", f"/customers/{customer['id']}/"), ("page /reports/", "/reports/"),
        (f"page /reports/{report}/", f"/reports/{report}/"), ("page /review/", "/review/"), ("page /terminals/", "/terminals/"),
        ("page /gold-rate/", "/gold-rate/"), ("page /settings/", "/settings/"),
    ] + [(f"page {path}", path) for path in extra_paths]
    return [(name, "GET", url, None) for name, url in found]


def counter(picks: dict) -> list[tuple]:
    """A one-item sale at the counter, action by action."""
    item = random.choice(picks["items"])
    customer = random.choice(picks["customers"])
    words = item["name"].split()
    return [
        ("htmx POST /pos/clear/", "POST", "/pos/clear/", {}),
        ("page /pos/ (counter)", "GET", "/pos/", None),
        ("htmx POST /pos/scan/ (search)", "POST", "/pos/scan/", {"code": f"{words[-2]} {words[-1][:2]}"}),
        ("htmx POST /pos/add/", "POST", "/pos/add/", {"item_id": item["id"]}),
        ("htmx POST /pos/lines/[i]/ (remove)", "POST", "/pos/lines/0/", {"action": "remove"}),
        ("htmx POST /pos/scan/ (SKU)", "POST", "/pos/scan/", {"code": item["sku"]}),
        ("htmx GET /pos/customer/search/", "GET", f"/pos/customer/search/?q=0{customer['phone'][3:]}", None),
        ("htmx POST /pos/customer/", "POST", "/pos/customer/", {"customer_id": customer["id"]}),
        ("htmx POST /pos/payments/", "POST", "/pos/payments/", _counter_payment),
        ("htmx POST /pos/checkout/", "POST", "/pos/checkout/", {}),
    ]


def api(picks: dict) -> list[tuple]:
    """The REST API's lists and details, and a one-item sale (quote first)."""
    item = random.choice(picks["items"])
    customer = random.choice(picks["customers"])
    sale = random.choice(picks["sales"])
    branch = picks["branches"][0]
    line = {"item_id": item["id"], "quantity": 1}

    def sale_body(answers: Answers) -> dict:
        total = answers.quote.get("due") or answers.quote.get("total") or "0"
        return {"branch_id": branch, "lines": [line], "payments": [{"method": "cash", "amount": total}]}

    steps = [
        ("api GET /api/v1/items/", "GET", "/api/v1/items/", None),
        ("api GET /api/v1/items/?search", "GET", f"/api/v1/items/?search={item['name'].split()[-1]}", None),
        ("api GET /api/v1/items/[id]/", "GET", f"/api/v1/items/{item['id']}/", None),
        ("api GET /api/v1/items/low-stock/", "GET", "/api/v1/items/low-stock/", None),
        ("api GET /api/v1/categories/", "GET", "/api/v1/categories/", None),
        ("api GET /api/v1/gold-rates/current/", "GET", "/api/v1/gold-rates/current/", None),
        ("api GET /api/v1/customers/", "GET", "/api/v1/customers/", None),
        ("api GET /api/v1/customers/[id]/", "GET", f"/api/v1/customers/{customer['id']}/", None),
        ("api GET /api/v1/sales/", "GET", "/api/v1/sales/", None),
        ("api GET /api/v1/sales/[id]/", "GET", f"/api/v1/sales/{sale['id']}/", None),
        ("api GET /api/v1/dashboard/", "GET", "/api/v1/dashboard/", None),
        ("api GET /api/v1/branches/", "GET", "/api/v1/branches/", None),
        ("api GET /api/v1/staff/", "GET", "/api/v1/staff/", None),
        ("api POST /api/v1/sales/quote/", "POST", "/api/v1/sales/quote/", {"branch_id": branch, "lines": [line]}),
        ("api POST /api/v1/sales/ (one item)", "POST", "/api/v1/sales/", sale_body),
    ]
    return steps


def plan(picks: dict, extra_paths: list[str], *, with_api: bool = True) -> list[tuple]:
    """One round of every request type."""
    return pages(picks, extra_paths) + counter(picks) + (api(picks) if with_api else [])


def api_headers(token: str) -> dict:
    """An API client's headers: its bearer token, and a fresh Idempotency-Key
    for a POST (every sale is a new one)."""
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
