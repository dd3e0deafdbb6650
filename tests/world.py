"""A small shop's worth of data, made through the services as staff would:
a category, a rate on the board, a gold ring (PRICING.md vector 1), a
fixed-price chain, a customer who bought a ring, a terminal, and the
customer's ring ready in the workshop."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.db import connection
from django.utils import timezone

from apps.branches.models import Branch
from apps.branches.services import terminal_create
from apps.customers.services import customer_create
from apps.inventory.services import category_create, gold_rate_set, item_create
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from apps.tenancy.models import Tenant
from apps.workshop.services import DepositInput, ServiceInput, repair_ticket_create, repair_ticket_move
from tests.helpers import SHOPS, staff
from tests.vectors import RING

CHAIN = {
    "name": "Silver chain",
    "fineness": 925,
    "gross_weight": Decimal("10.000"),
    "stone_weight": Decimal("0"),
    "making_mode": "fixed",
    "making_value": Decimal("0"),
    "stone_value": Decimal("0"),
    "pricing_mode": "fixed",
    "fixed_price": Decimal("1000000"),
    "cost": Decimal("500000"),
}


@dataclass(frozen=True)
class World:
    shop_key: str
    branch_id: UUID
    category_id: UUID
    gold_rate_id: UUID
    ring_id: UUID  # in stock, one of a kind
    chain_id: UUID  # fixed price, 10 in stock
    customer_id: UUID
    sale_id: UUID  # the customer bought a second ring
    sale_line_id: UUID
    terminal_id: UUID
    staff_id: int  # the shop's cashier
    ticket_id: UUID  # the customer's ring in the workshop, ready, with a deposit


def build_world(shop_key: str) -> World:
    """Builds in the shop's schema and leaves the connection there."""
    connection.set_tenant(Tenant.objects.get(domains__domain=SHOPS[shop_key]["domain"]))
    owner = staff(shop_key, "owner")
    branch = Branch.objects.get(name=SHOPS[shop_key]["branch"])
    category = category_create(name="Rings")
    gold_rate = gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750,
                              effective_at=timezone.now() - timedelta(days=30))
    ring = item_create(**RING, sku=f"{shop_key.upper()}-R-1", barcode=f"62600000{shop_key}01", category=category,
                       branch=branch, actor=owner, quantity=1, is_unique_piece=True)
    sold = item_create(**RING, sku=f"{shop_key.upper()}-R-2", category=category, branch=branch, actor=owner,
                       quantity=1, is_unique_piece=True)
    chain = item_create(**CHAIN, sku=f"{shop_key.upper()}-C-1", category=category, branch=branch, actor=owner, quantity=10)
    customer = customer_create(full_name="علی رضایی", phone=f"0912123456{'78'[shop_key == 'b']}")
    lines = [LineInput(item_id=sold.pk)]
    sale = sale_create(actor=staff(shop_key, "cashier"), branch=branch, customer=customer, lines=lines,
                       payments=[PaymentInput(method="cash", amount=sale_quote(lines=lines).due)])
    terminal = terminal_create(branch=branch, name="Counter 1")
    ticket = repair_ticket_create(actor=owner, branch=branch, customer=customer, description="Ring to resize", fineness=750,
                                  gross_weight=Decimal("3.250"), services=[ServiceInput("sizing", price=Decimal("1500000"))],
                                  promised_on=timezone.localdate() + timedelta(days=3), deposit=DepositInput("cash", Decimal("500000")))
    for to in ("in_work", "ready"):
        repair_ticket_move(actor=owner, ticket=ticket, to=to)
    return World(
        shop_key=shop_key, branch_id=branch.pk, category_id=category.pk, gold_rate_id=gold_rate.pk, ring_id=ring.pk,
        chain_id=chain.pk, customer_id=customer.pk, sale_id=sale.pk, sale_line_id=sale.lines.get().pk,
        terminal_id=terminal.pk, staff_id=staff(shop_key, "cashier").pk, ticket_id=ticket.pk,
    )
