"""Chromium: a repair from intake to pickup, as the counter does it. The
manager sets the price list, finds the customer, takes the ring in with a
deposit, starts the work, marks it ready, prints the ticket, and hands it
over: the invoice is made and the board no longer lists it. Screenshots of
each page at 820 and 1366 px, and the board in Persian."""
import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in, needs_chromium
from tests.browser.test_staff_and_customers import in_browser_shop, shots

pytestmark = [needs_chromium]
TICKET = re.compile(r"/workshop/[0-9a-f-]{36}/$")


def test_a_repair_from_intake_to_invoice(page):
    log_in(page, "manager@browser.test")
    page.locator("header nav a[href='/workshop/']").click()
    page.wait_for_url("**/workshop/")
    page.locator("a[href='/workshop/settings/']").click()
    page.fill("#id_sizing", "1500000")
    page.fill("#id_polishing", "500000")
    page.locator("#prices button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Prices saved.")
    shots(page, "workshop-settings-en")

    page.goto("/workshop/new/")
    page.fill("#q", "رحیمی")
    page.press("#q", "Enter")
    page.locator("#found a").first.click()
    page.wait_for_url("**/workshop/new/?customer=*")
    page.fill("#id_description", "Gold ring, worn shank")
    page.fill("#id_gross_weight", "3.250")
    page.fill("#id_promised_on", (timezone.localdate() + timedelta(days=5)).isoformat())
    page.check("#id_svc_sizing")
    page.fill("#id_note_sizing", "52 to 56")
    page.check("#id_svc_polishing")
    page.fill("#id_deposit", "1000000")
    shots(page, "workshop-intake-en")
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_url(TICKET)
    expect(page.locator(".messages")).to_contain_text("taken in")
    expect(page.locator("#money")).to_contain_text("1,000,000")
    label = page.locator("h1 .ltr").inner_text().strip()

    page.get_by_role("button", name="Start the work").click()
    expect(page.locator("h1")).to_contain_text("In work")
    page.get_by_role("button", name="Mark ready").click()
    expect(page.locator("h1")).to_contain_text("Ready")
    # Sizing 1,500,000 and polishing 500,000 with 10% VAT, less the deposit: 1,200,000.
    expect(page.locator("#money")).to_contain_text("1,200,000")
    shots(page, "workshop-ready-en")

    page.get_by_role("link", name="Print ticket and tag").click()
    expect(page.locator("svg.barcode")).to_have_count(2)
    expect(page.locator("#customer-copy")).to_contain_text(label)
    shots(page, "workshop-print-en")
    page.go_back()

    page.get_by_role("button", name="Invoice and hand over").click()
    expect(page.locator("h1")).to_contain_text("Collected")
    invoice = page.locator("#piece a[href^='/sales/']")
    expect(invoice).to_be_visible()
    invoice.click()
    page.wait_for_url(re.compile(r"/sales/[0-9a-f-]{36}/$"))
    expect(page.locator("main")).to_contain_text("2,200,000")

    def sold():
        from apps.sales.models import Sale
        from apps.workshop.models import RepairTicket

        ticket = RepairTicket.objects.get(branch__code=label.split("-")[0], number=int(label.split("-")[-1]))
        sale = Sale.objects.get(pk=ticket.sale_id)
        return ticket.status, sale.source, sale.total, sorted(sale.payments.values_list("method", "amount"))

    assert in_browser_shop(sold) == ("collected", "workshop", Decimal("2200000"),
                                     [("cash", Decimal("1200000")), ("deposit", Decimal("1000000"))])
    page.goto("/workshop/")
    expect(page.locator("#tickets")).not_to_contain_text(label)

    page.locator("header button[name=language][value=fa]").click()
    page.goto("/workshop/?status=collected")
    expect(page.locator("h1")).to_contain_text("کارگاه")
    expect(page.locator("#tickets")).to_contain_text("تحویل‌شده")
    shots(page, "workshop-board-fa")
    page.locator("header button[name=language][value=en]").click()  # the manager's language, as the other tests expect it
    expect(page.locator("html")).to_have_attribute("lang", "en")
