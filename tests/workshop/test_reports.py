"""The workshop's reports: open repairs (overdue first, with the deposits
held) and the revenue of work collected, on screen and as CSV."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.sales.services import PaymentInput
from apps.workshop.models import RepairTicket
from apps.workshop.services import DepositInput, repair_ticket_collect, repair_ticket_create, repair_ticket_move
from tests.helpers import logged_in, staff


def test_open_repairs_list_overdue_first_with_the_deposits_held(intake, shop_a):
    late = repair_ticket_create(**{**intake, "description": "Late"}, deposit=DepositInput("cash", Decimal("300000")))
    RepairTicket.objects.filter(pk=late.pk).update(promised_on=timezone.localdate() - timedelta(days=3))
    repair_ticket_create(**{**intake, "description": "On time"}, deposit=DepositInput("card", Decimal("200000")))
    held = sum(RepairTicket.objects.filter(status__in=("received", "in_work", "ready")).values_list("deposit_balance", flat=True))
    page = logged_in(staff("a", "manager")).get("/reports/workshop-open/").content.decode()
    assert f"{held:,.0f}" in page and "Overdue" in page
    csv = logged_in(staff("a", "manager")).get("/reports/workshop-open/", {"format": "csv"})
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[1].startswith(late.label)  # overdue first
    assert len(lines) == 1 + RepairTicket.objects.filter(status__in=("received", "in_work", "ready")).count()
    assert logged_in(staff("a", "cashier")).get("/reports/workshop-open/").status_code == 403


def test_workshop_revenue_adds_up_the_work_collected(intake, world, shop_a):
    ticket = RepairTicket.objects.get(pk=world.ticket_id)  # the world's ring: sizing 1,500,000, 500,000 held
    repair_ticket_collect(actor=intake["actor"], ticket=ticket, payments=[PaymentInput("cash", Decimal("1150000"))])
    other = repair_ticket_create(**intake)
    for to in ("in_work", "ready"):
        repair_ticket_move(actor=intake["actor"], ticket=other, to=to)
    repair_ticket_collect(actor=intake["actor"], ticket=other, payments=[PaymentInput("card", Decimal("2200000"))])
    page = logged_in(staff("a", "manager")).get("/reports/workshop-revenue/").content.decode()
    # Labour 1,500,000 + 2,000,000; tax 150,000 + 200,000; total 1,650,000 + 2,200,000.
    for figure in ("3,500,000", "350,000", "3,850,000"):
        assert figure in page, figure
    assert ticket.label in page and other.label in page


def test_the_demo_workshop_is_seeded_once(world, shop_a):
    from django.core.management import call_command
    from django.db import connection

    from apps.customers.services import customer_create

    for n in range(3):
        customer_create(full_name=f"Demo {n}", phone=f"0935000000{n}")
    call_command("seed_demo_workshop", shop=shop_a.schema_name)
    connection.set_tenant(shop_a)
    demo = RepairTicket.objects.filter(note="demo")
    assert sorted(demo.values_list("status", flat=True)) == ["collected", "in_work", "received", "received"]
    assert demo.get(status="collected").sale_id is not None
    call_command("seed_demo_workshop", shop=shop_a.schema_name)
    connection.set_tenant(shop_a)
    assert RepairTicket.objects.filter(note="demo").count() == 4
