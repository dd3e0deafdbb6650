"""Data for background tests, made through the real services in the current
shop: a branch of the test's own (so aggregates start empty), PRICING.md
vector 1 rings, customers, sales, voids and returns."""
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.branches.models import Branch
from apps.branches.services import branch_create
from apps.customers.services import customer_create
from apps.inventory.models import GoldRate
from apps.inventory.services import gold_rate_set
from apps.sales.reversals import sale_return, sale_void
from apps.sales.services import LineInput, PaymentInput, sale_create, sale_quote
from tests.helpers import first_staff as staff
from tests.pos_sync import catalogue


def branch() -> Branch:
    return branch_create(name=f"Branch {uuid.uuid4().hex[:8]}")


def board_rate() -> GoldRate:
    """8,000,000 per gram of 750 since a month ago (vector 1)."""
    existing = GoldRate.objects.filter(base_rate=Decimal("8000000"), effective_at__lt=timezone.now() - timedelta(days=29)).first()
    return existing or gold_rate_set(actor=staff("owner"), base_rate=Decimal("8000000"), base_fineness=750,
                                     effective_at=timezone.now() - timedelta(days=30))


def ring(at: Branch, quantity: int = 5):
    board_rate()
    return catalogue.ring(branch_name=at.name, quantity=quantity, sku=f"BG-{uuid.uuid4().hex[:10]}")


def customer():
    return customer_create(full_name="مشتری آزمایشی", phone=f"+98912{uuid.uuid4().int % 10_000_000:07d}")


def sell(item, *, at: Branch, quantity: int = 1, customer=None, method: str = "cash", occurred_at: datetime | None = None):
    lines = [LineInput(item_id=item.pk, quantity=quantity)]
    due = sale_quote(lines=lines, occurred_at=occurred_at).due
    return sale_create(actor=staff("cashier"), branch=at, lines=lines, payments=[PaymentInput(method=method, amount=due)],
                       customer=customer, occurred_at=occurred_at)


def void(sale):
    return sale_void(actor=staff("manager"), sale=sale, reason="Customer changed their mind")


def take_back(sale, quantity: int = 1):
    line = sale.lines.order_by("line_no").first()
    return sale_return(actor=staff("manager"), sale=sale, lines=[(line.pk, quantity)], reason="Returned")
