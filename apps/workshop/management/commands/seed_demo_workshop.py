"""
Puts a demo shop's workshop to work: the price list, two craftsmen and a
dozen repairs in every state (some overdue, some with a deposit or gold
added, one collected with its invoice), through the services.

    python manage.py seed_demo_workshop --shop <schema>

Idempotent: the repairs carry the note "demo" and none is made again once
any exists; prices and craftsmen are set only where missing.
"""
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.core.timezones import shop_today
from apps.branches.models import Branch
from apps.customers.models import Customer
from apps.sales.services import PaymentInput
from apps.tenancy.models import Tenant
from apps.workshop import services as w
from apps.workshop.models import Craftsman, RepairPrice, RepairTicket

PRICES = {"sizing": 1_500_000, "soldering": 800_000, "polishing": 500_000, "stone_setting": 1_200_000,
          "engraving": 900_000, "plating": 2_000_000}
PIECES = [("انگشتر ۱۸ عیار، حلقهٔ ساییده", "3.250", ["sizing", "polishing"]), ("زنجیر طلا، قفل شکسته", "12.100", ["soldering"]),
          ("دستبند، حک نام", "8.000", ["engraving"]), ("گوشواره، نگین افتاده", "2.400", ["stone_setting"]),
          ("انگشتر نقره، آبکاری طلا", "5.600", ["plating", "polishing"]), ("گردنبند، حلقهٔ باز", "9.300", ["soldering", "polishing"])]


class Command(BaseCommand):
    help = "Demo repairs in every state for a shop (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="the shop's schema")

    def handle(self, *args, shop, **options):
        tenant = Tenant.objects.filter(schema_name=shop).first()
        if tenant is None:
            raise CommandError(f"No shop with schema {shop!r}.")
        with tenant:
            if RepairTicket.objects.filter(note="demo").exists():
                self.stdout.write("workshop: demo repairs already there")
                return
            owner = User.objects.filter(role="owner", is_active=True).order_by("pk").first()
            branch = Branch.objects.filter(is_active=True).order_by("created_at").first()
            customers = list(Customer.objects.filter(is_deleted=False).order_by("created_at")[:12])
            if owner is None or branch is None or not customers:
                raise CommandError("The shop needs an owner, a branch and customers first (seed_demo).")
            for kind, price in PRICES.items():
                if not RepairPrice.objects.get(kind=kind).price:
                    w.repair_price_set(actor=owner, kind=kind, price=Decimal(price))
            craftsmen = list(Craftsman.objects.filter(is_active=True)) or [
                w.craftsman_create(actor=owner, name=name) for name in ("استاد رضا", "استاد مینا")]
            today = shop_today()
            for n, customer in enumerate(customers):
                description, weight, kinds = PIECES[n % len(PIECES)]
                ticket = w.repair_ticket_create(
                    actor=owner, branch=branch, customer=customer, description=description, gross_weight=Decimal(weight),
                    fineness=750, services=[w.ServiceInput(kind) for kind in kinds], promised_on=today + timedelta(days=n % 5),
                    craftsman=craftsmen[n % len(craftsmen)], note="demo",
                    deposit=w.DepositInput("cash", Decimal(500_000)) if n % 2 else None)
                if n % 4 == 3:  # promised days ago, still in the workshop
                    RepairTicket.objects.filter(pk=ticket.pk).update(promised_on=today - timedelta(days=2))
                if n % 3:
                    w.repair_ticket_move(actor=owner, ticket=ticket, to="in_work")
                if n % 3 == 2:
                    w.repair_metal_record(actor=owner, ticket=ticket, weight=Decimal("0.250"), fineness=750, note="demo")
                    w.repair_ticket_move(actor=owner, ticket=ticket, to="ready")
                if n == 2:
                    due = w.repair_ticket_quote(ticket=ticket).due
                    w.repair_ticket_collect(actor=owner, ticket=ticket, payments=[PaymentInput("card", due)] if due > 0 else [],
                                            payout_method="" if due > 0 else "cash")
            self.stdout.write(f"workshop: {len(customers)} demo repairs")
