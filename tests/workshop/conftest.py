"""What the counter needs to take a piece in (shop A, Iranian settings:
IRR, VAT 10%, the board at 8,000,000 a gram of 750)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.branches.models import Branch
from apps.customers.models import Customer
from apps.workshop.services import ServiceInput, craftsman_create, repair_price_set
from tests.helpers import staff


@pytest.fixture
def intake(shop, world):
    """What the counter needs to take a piece in, in shop A."""
    manager = staff("a", "manager")
    repair_price_set(actor=manager, kind="sizing", price=Decimal("1500000"))
    repair_price_set(actor=manager, kind="polishing", price=Decimal("500000"))
    craftsman = craftsman_create(actor=manager, name="Reza the goldsmith", phone="+989121234567")
    return {
        "actor": staff("a", "cashier"), "branch": Branch.objects.get(pk=world.branch_id),
        "customer": Customer.objects.get(pk=world.customer_id), "description": "Ring, 18k, worn shank",
        "gross_weight": Decimal("3.250"), "fineness": 750, "services": [ServiceInput("sizing", "52 to 56"), ServiceInput("polishing")],
        "promised_on": timezone.localdate() + timedelta(days=3), "craftsman": craftsman,
    }
