#!/usr/bin/env python
"""PNG screenshots of the staff pages, in Persian and English, at 820 and
1366 px wide, for a person to look at (a tool, not a test).

    .venv/bin/python scripts/screenshots.py --base http://demo.localhost:8000 \
        --email owner@demo.localhost --password '...' \
        [--admin-email admin@demo.localhost --admin-password '...'] [--out DIR]

Credentials may also come from SHOTS_EMAIL, SHOTS_PASSWORD, SHOTS_ADMIN_EMAIL
and SHOTS_ADMIN_PASSWORD. The admin page needs a superuser of the shop's
schema; without --admin-email it is skipped. Uses Debian's Chromium; it never
downloads a browser. Files: <out>/<lang>-<width>-<page>.png.
"""
import argparse
import os
import sys
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--host-resolver-rules=MAP *.localhost 127.0.0.1"]
LANGS = {"fa": "fa-IR", "en": "en-US"}
WIDTHS = (820, 1366)
HEIGHT = 1000


def log_in(page, base, email, password, login_path="/accounts/login/"):
    page.goto(base + login_path)
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("[type=submit]")
    if "/login/" in page.url:
        sys.exit(f"login failed for {email} at {base}{login_path}")


def language_switch(page, base, lang):
    """The language form in the top bar (accounts/language/), as a user would."""
    page.goto(base + "/")
    button = page.locator(f"button[name=language][value={lang}]")
    if button.count():
        with page.expect_navigation():
            button.first.click()
    actual = page.get_attribute("html", "lang")
    if actual != lang:
        print(f"warning: asked for {lang}, page says lang={actual}", file=sys.stderr)


def first_href(page, base, path, selector):
    page.goto(base + path)
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def cart_add_one(page, base):
    """One in-stock item into the counter's cart through the scan box (once)."""
    page.goto(base + "/pos/")
    if page.locator("#cart-lines .cart-line").count():
        return
    sku = page.evaluate("""async () => {
        const html = await (await fetch('/inventory/?status=in_stock')).text();
        const a = new DOMParser().parseFromString(html, 'text/html').querySelector('#items a.ltr');
        return a ? a.textContent.trim() : null; }""")
    if not sku:
        print("warning: no in-stock item to add at the counter", file=sys.stderr)
        return
    page.fill("#scan-code", sku)
    page.press("#scan-code", "Enter")
    try:
        page.wait_for_selector("#cart-lines .cart-line", timeout=10_000)
    except Exception:  # sold out since (the offline counter's shots sell it)
        print(f"warning: {sku} did not go into the counter's cart", file=sys.stderr)


def pages_to_shoot(page, base):
    """[(name, path)] for the current language; the invoice and customer are found on their lists."""
    shots = [("dashboard", "/"), ("pos", "/pos/"), ("sales", "/sales/")]
    invoice = first_href(page, base, "/sales/", "main table a[href^='/sales/']")
    if invoice:
        shots.append(("invoice", invoice))
        page.goto(base + invoice)
        label = page.locator("main h2 .ltr").first
        printed = label.inner_text().strip() if label.count() else ""
        print(f"  invoice {invoice}: printed label {printed!r}")
        if printed:
            shots.append(("sales-search", "/sales/?search=" + quote(printed)))
    customer = first_href(page, base, "/customers/", "main table a[href^='/customers/']")
    if customer:
        shots.append(("customer", customer))
        shots.append(("workshop-intake", "/workshop/new/?customer=" + customer.strip("/").split("/")[-1]))
    shots += [("workshop", "/workshop/"), ("workshop-find-customer", "/workshop/new/?q=a")]
    ticket = first_href(page, base, "/workshop/?status=all", "main table a[href^='/workshop/']")
    if ticket:
        shots.append(("workshop-ticket", ticket))
    shots += [("workshop-settings", "/workshop/settings/")]
    shots += [("terminals", "/terminals/"), ("review", "/review/"),
              ("reports", "/reports/"), ("report-daily", "/reports/daily/"), ("report-products", "/reports/products/"),
              ("report-categories", "/reports/categories/"), ("report-low-stock", "/reports/low-stock/"),
              ("settings", "/settings/")]
    return shots


def shoot(page, base, out, lang, shots):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for name, path in shots:
            response = page.goto(base + path)
            page.wait_for_load_state("networkidle")
            file = out / f"{lang}-{width}-{name}.png"
            page.screenshot(path=str(file), full_page=True)
            status = response.status if response else "?"
            wide = page.evaluate("document.documentElement.scrollWidth")
            note = f" (scrollWidth {wide} > {width})" if wide > width else ""
            print(f"{status} {file}{note}")


def terminal_shoot(page, base, out, lang, email, password):
    """The offline counter (/pos/terminal/) as a cashier sees it: enrolment
    with a code the staff UI issues (its page shot too), sign-in, a cart with
    old gold and a payment, and the receipt of a sale made offline."""
    page.goto(base + "/terminals/")
    issue = page.locator("form[action$='/code/'] button").first
    if not issue.count():
        print("warning: no terminal to enrol the browser on; create one on /terminals/", file=sys.stderr)
        return
    sku = page.evaluate("""async () => {
        const html = await (await fetch('/inventory/?status=in_stock')).text();
        const a = new DOMParser().parseFromString(html, 'text/html').querySelector('#items a.ltr');
        return a ? a.textContent.trim() : null; }""")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(base + "/terminals/")
        with page.expect_navigation():
            page.locator("form[action$='/code/'] button").first.click()
        page.screenshot(path=str(out / f"{lang}-{width}-terminal-code.png"), full_page=True)
        code = page.locator("#enrolment-code").inner_text().strip()
        page.goto(base + "/pos/terminal/")
        page.wait_for_selector("#enrol:not([hidden])")
        page.screenshot(path=str(out / f"{lang}-{width}-terminal-enrol.png"), full_page=True)
        page.fill("#enrol-form [name=code]", code)
        page.click("#enrol-form button")
        page.wait_for_selector("#signin:not([hidden])")
        page.screenshot(path=str(out / f"{lang}-{width}-terminal-signin.png"), full_page=True)
        page.fill("#signin-form [name=email]", email)
        page.fill("#signin-form [name=password]", password)
        page.click("#signin-form button")
        page.wait_for_selector("#status-line[data-state=synced]", timeout=60_000)
        page.context.set_offline(True)
        if sku:
            page.fill("#scan-code", sku)
            page.press("#scan-code", "Enter")
            page.wait_for_selector("#cart tbody tr")
        page.fill("#tradein-weight", "1.5")
        page.click("#tradein-form button")
        page.fill("#payment-amount", "1000")
        page.click("#payment-form button")
        page.screenshot(path=str(out / f"{lang}-{width}-terminal-cart.png"), full_page=True)
        if sku:
            page.click("#checkout-button")
            page.wait_for_selector("#receipt:not([hidden])")
        page.screenshot(path=str(out / f"{lang}-{width}-terminal-receipt-offline.png"), full_page=True)
        page.context.set_offline(False)
        page.wait_for_selector("#status-line[data-state=synced]", timeout=60_000)
        page.screenshot(path=str(out / f"{lang}-{width}-terminal-synced.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        print(f"terminal {lang} {width}: shot{f' (scrollWidth {wide} > {width})' if wide > width else ''}")
        # The next width enrols afresh: this browser forgets the device (its database stays; a new code makes a new one).
        page.evaluate("""() => new Promise((done) => { const r = indexedDB.open('zargar-terminal', 1);
            r.onsuccess = () => { const tx = r.result.transaction('pointer', 'readwrite'); tx.objectStore('pointer').delete('device_id');
            tx.oncomplete = () => { r.result.close(); done(); }; }; })""")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://demo.localhost:8000", help="the shop's URL")
    parser.add_argument("--email", default=os.environ.get("SHOTS_EMAIL", "owner@demo.localhost"))
    parser.add_argument("--password", default=os.environ.get("SHOTS_PASSWORD"))
    parser.add_argument("--admin-email", default=os.environ.get("SHOTS_ADMIN_EMAIL"))
    parser.add_argument("--admin-password", default=os.environ.get("SHOTS_ADMIN_PASSWORD"))
    parser.add_argument("--out", default="test-artifacts/screenshots")
    parser.add_argument("--only", default="", help="only the pages whose name starts with this (no terminal, no admin)")
    opts = parser.parse_args()
    if not opts.password:
        parser.error("--password (or SHOTS_PASSWORD) is required")
    base, out = opts.base.rstrip("/"), Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for lang, locale in LANGS.items():
            context = browser.new_context(locale=locale)
            page = context.new_page()
            log_in(page, base, opts.email, opts.password)
            language_switch(page, base, lang)
            if opts.only:
                shoot(page, base, out, lang, [shot for shot in pages_to_shoot(page, base) if shot[0].startswith(opts.only)])
                context.close()
                continue
            cart_add_one(page, base)
            shoot(page, base, out, lang, pages_to_shoot(page, base))
            terminal_shoot(page, base, out, lang, opts.email, opts.password)
            context.close()
            if opts.admin_email:
                # The admin keeps Django's own language choice: the browser's Accept-Language.
                context = browser.new_context(locale=locale)
                page = context.new_page()
                log_in(page, base, opts.admin_email, opts.admin_password, "/admin/login/")
                shoot(page, base, out, lang, [("admin-terminal-add", "/admin/branches/terminal/add/")])
                context.close()
            else:
                print("admin terminal form skipped: no --admin-email", file=sys.stderr)
        browser.close()


if __name__ == "__main__":
    main()
