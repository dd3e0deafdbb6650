"""The browser terminal when the server fails under a push (issue 15): a
response lost after the server committed, and gunicorn killed with SIGKILL
while a push is in flight. Every sale reaches the server exactly once, and
the re-sent ones are answered `duplicate` with the invoice number the first
push got, which the counter shows."""
import os
import signal
import threading

import httpx

from playwright.sync_api import expect

from tests.browser.conftest import needs_chromium
from tests.browser.terminal.steps import TerminalShop, enrol, free_port, open_profile, sell, sign_in, synced
from tests.conftest import child_env
from tests.helpers import gunicorn_start

pytestmark = [needs_chromium]
PUSH = "**/api/pos/v1/sync/push"


def _server_invoices(shop) -> dict:
    from apps.sales.models import Sale

    def read():
        return {receipt: f"{code}-{number:06d}" for receipt, code, number in
                Sale.objects.filter(source="offline").values_list("receipt_number", "branch__code", "invoice_number")}

    return shop.query(read)


def _shown_invoices(page) -> dict:
    rows = page.locator("#journal tbody tr")
    return {rows.nth(i).get_attribute("data-receipt"): rows.nth(i).locator("td").nth(1).text_content() for i in range(rows.count())}


def test_a_lost_answer_and_a_killed_server_never_lose_or_double_a_sale(playwright_driver, db_open, tmp_path):
    port = free_port()
    shop = TerminalShop()
    server = gunicorn_start("--workers", "2", port=port, env=child_env())
    context = open_profile(playwright_driver, tmp_path / "profile", f"http://{shop.domain}:{port}")
    try:
        page = context.pages[0] if context.pages else context.new_page()
        enrol(page, shop.code("Counter crash"))
        sign_in(page)
        synced(page, items=6)

        # 1. The server applies the push, and its answer never arrives.
        context.set_offline(True)
        first = [sell(page, f"RING-{n % 5}") for n in range(10)]
        lost = []

        def drop_the_answer(route):
            if lost:
                return route.continue_()
            request = route.request
            # Sent to the server from here (Playwright's own fetch cannot resolve *.localhost); its answer is dropped.
            headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type", "x-device-time")}
            answer = httpx.post(f"http://127.0.0.1:{port}/api/pos/v1/sync/push", content=request.post_data_buffer,
                                headers={**headers, "Host": f"{shop.domain}:{port}"}, timeout=30)
            lost.append(answer)
            route.abort("connectionreset")

        page.route(PUSH, drop_the_answer)
        context.set_offline(False)
        synced(page)
        assert lost and lost[0].status_code == 200
        assert {r["status"] for r in lost[0].json()["results"]} == {"applied"}
        page.unroute(PUSH)
        rows = page.locator("#journal tbody tr")
        states = {rows.nth(i).get_attribute("data-receipt"): rows.nth(i).get_attribute("data-state") for i in range(rows.count())}
        assert {states[r] for r in first} == {"duplicate"}  # resent, answered with the stored result
        assert _shown_invoices(page) == _server_invoices(shop)

        # 2. gunicorn killed (SIGKILL, workers and all) while a push is in flight, then started again.
        context.set_offline(True)
        second = [sell(page, f"RING-{n % 5}") for n in range(10)]
        killed = threading.Event()

        def kill_during_the_push(route):
            if not killed.is_set():
                killed.set()
                threading.Timer(0.05, os.killpg, (server.pid, signal.SIGKILL)).start()
            route.continue_()

        page.route(PUSH, kill_during_the_push)
        context.set_offline(False)
        for _ in range(600):  # route handlers run while the page is waited on
            if killed.is_set():
                break
            page.wait_for_timeout(100)
        server.wait(30)
        expect(page.locator("#status-line")).not_to_have_attribute("data-state", "synced")
        server = gunicorn_start("--workers", "2", port=port, env=child_env())
        synced(page)
        invoices = _server_invoices(shop)
        assert sorted(invoices) == sorted(first + second)  # each sale once: 20 receipts, 20 sales
        assert len(set(invoices.values())) == 20
        assert _shown_invoices(page) == invoices
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        server.wait(30)
        context.close()
        shop.drop()
