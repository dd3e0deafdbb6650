"""Real threads on real connections, each intake committed: four counters
of one branch taking pieces in at once get ticket numbers 1 to 4, and two
deposits racing for what is left of an estimate cannot both be taken."""
import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.workshop.models import RepairDeposit, RepairLine, RepairStatusChange, RepairTicket, TicketCounter
from apps.workshop.services import DepositInput, ServiceInput, repair_deposit_take, repair_ticket_create
from tests.conftest import run_committed
from tests.helpers import at_once, staff


def _take_in(shop, customer_id) -> RepairTicket:
    connection.set_tenant(shop)
    return repair_ticket_create(
        actor=staff("a", "cashier"), branch=Branch.objects.get(name="Bazaar"), customer=Customer.objects.get(pk=customer_id),
        description="Chain, broken clasp", gross_weight=Decimal("5.100"), fineness=750,
        services=[ServiceInput("soldering", price=Decimal("400000"))], promised_on=timezone.localdate() + timedelta(days=1),
    )


def _clean(shop, customer_id) -> None:
    connection.set_tenant(shop)
    tickets = RepairTicket.objects.filter(customer_id=customer_id)
    AuditEntry.objects.filter(object_id__in=[str(pk) for pk in tickets.values_list("pk", flat=True)]).delete()
    for model in (RepairDeposit, RepairLine, RepairStatusChange):
        model.objects.filter(ticket__in=tickets).delete()
    tickets.delete()
    TicketCounter.objects.filter(branch__name="Bazaar").delete()
    Customer.objects.filter(pk=customer_id).delete()


def _customer(shop):
    connection.set_tenant(shop)
    return customer_create(full_name="Race Customer", phone=f"+98912{uuid.uuid4().int % 10**7:07d}").pk


def test_counters_taking_pieces_in_at_once_get_numbers_without_gaps(shop_a, django_db_blocker):
    with django_db_blocker.unblock():
        customer_id = run_committed(_customer, shop_a)
        try:
            tickets = at_once(lambda: _take_in(shop_a, customer_id), times=4)
            assert sorted(t.number for t in tickets) == [1, 2, 3, 4]
        finally:
            run_committed(_clean, shop_a, customer_id)


def test_two_deposits_racing_for_the_rest_of_an_estimate_take_one(shop_a, django_db_blocker):
    with django_db_blocker.unblock():
        customer_id = run_committed(_customer, shop_a)
        try:
            ticket = run_committed(_take_in, shop_a, customer_id)

            def pay():
                connection.set_tenant(shop_a)
                try:
                    return repair_deposit_take(actor=staff("a", "cashier"), ticket=ticket,
                                               deposit=DepositInput("cash", Decimal("300000"))).amount
                except ApplicationError as exc:
                    return exc.code

            outcomes = at_once(pay, times=2)
            assert sorted(map(str, outcomes)) == ["300000", "deposit_over_estimate"]

            def held():
                connection.set_tenant(shop_a)
                ticket_now = RepairTicket.objects.get(pk=ticket.pk)
                return ticket_now.deposit_balance, sum(d.amount for d in ticket_now.deposits.all())

            assert run_committed(held) == (Decimal("300000"), Decimal("300000"))
        finally:
            run_committed(_clean, shop_a, customer_id)
