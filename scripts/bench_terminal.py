#!/usr/bin/env python
"""The browser terminal's speed (issue 15, docs/performance.md "The browser
terminal"): Debian's Chromium enrols on a shop with 10,000 items served by
gunicorn (production settings), and this prints and writes to
bench-results/terminal.json

- the first full pull: every page of the catalogue into IndexedDB;
- scanning an item and adding it to the cart with the network cut, from the
  scan's Enter to the cart drawn, over --scans scans of random items.

Both are measured by the page itself (performance.measure "zargar:pull" and
"zargar:scan" in static/ui/terminal/app.js). A benchmark, not a test: it
asserts nothing about speed. The shop is kept for the next run.
"""
import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench_dashboard  # noqa: E402  (sets up Django)
from bench_sync import gunicorn_start, percentile  # noqa: E402
from django.db import connection  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MEASURES = "(name) => performance.getEntriesByName(name).map((m) => m.duration)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", default="bench-terminal.localhost")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--out", default=str(ROOT / "bench-results/terminal.json"))
    args = parser.parse_args()

    from apps.branches.models import Branch, Terminal
    from apps.branches.services import terminal_create
    from apps.inventory.models import Item
    from apps.pos_sync.services import enrollment_code_issue
    from apps.tenancy.selectors import shop_get_by_domain

    password = secrets.token_urlsafe(12)
    bench_dashboard.shop_prepare(domain=args.domain, branches=1, items=args.items, customers=500, password=password, name="Terminal Bench")
    shop = shop_get_by_domain(args.domain)
    with shop:
        main_branch = Branch.objects.order_by("created_at", "pk").first()
        terminal = Terminal.objects.filter(name="Bench browser").first() or terminal_create(branch=main_branch, name="Bench browser")
        code = enrollment_code_issue(terminal=terminal).code
        skus = list(Item.objects.filter(branch=main_branch, is_deleted=False).values_list("sku", flat=True))
    connection.set_schema_to_public()

    from playwright.sync_api import expect, sync_playwright

    server = gunicorn_start(args.port, workers=2, threads=4, extra_env={"STATIC_FROM_FINDERS": "1"})
    try:
        with sync_playwright() as driver, tempfile.TemporaryDirectory() as profile:
            context = driver.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS, headless=True,
                                                                base_url=f"http://{args.domain}:{args.port}")
            context.set_default_timeout(120_000)
            page = context.pages[0] if context.pages else context.new_page()
            page.goto("/pos/terminal/")
            page.fill("#enrol-form [name=code]", code)
            page.click("#enrol-form button")
            page.fill("#signin-form [name=email]", f"bench-manager@{args.domain}")
            page.fill("#signin-form [name=password]", password)
            page.click("#signin-form button")
            expect(page.locator("#device-facts")).to_have_attribute("data-items", str(len(skus)))
            pull_ms = page.evaluate(MEASURES, "zargar:pull")[0]
            context.set_offline(True)
            rng = random.Random(15)
            for _ in range(max(1, args.scans // 20)):  # carts of 20 different pieces
                for n, sku in enumerate(rng.sample(skus, 20)):
                    page.fill("#scan-code", sku)
                    page.press("#scan-code", "Enter")
                    expect(page.locator("#cart tbody tr")).to_have_count(n + 1)
                page.click("#clear-button")
            scans = page.evaluate(MEASURES, "zargar:scan")
            context.close()
    finally:
        server.terminate()
        server.wait(30)

    result = {
        "items_in_catalogue": len(skus),
        "first_full_pull_seconds": round(pull_ms / 1000, 2),
        "scan_to_cart_ms": {"scans": len(scans), "p50": round(statistics.median(scans), 1),
                            "p95": round(percentile(scans, 95), 1), "max": round(max(scans), 1)},
    }
    print(json.dumps(result, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
