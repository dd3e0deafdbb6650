"""
Fills a shop with demo data a jeweller would recognise: a month of gold
rates, a stock of rings, necklaces, bracelets, earrings, chains, coins and
watches, customers with Persian names and Iranian mobile numbers, and a
month of completed sales made through `sale_create`.

    python manage.py seed_demo --shop <schema> [--items 500] [--customers 200] [--sales 100]

Idempotent: every record has a deterministic key (item SKUs DEMO-00001...,
customer phones from their index, sale receipt numbers DEMO-S-00001...,
gold rates with source "demo"), and only the missing ones up to the
requested counts are made, so a second run adds nothing. Values come from a
random generator seeded per record, so a key always gets the same data.
Everything goes through the services (ledger, audit and outbox included).
"""
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from apps.accounts.models import Role, User
from apps.branches.models import Branch
from apps.branches.services import branch_create
from apps.core.timezones import shop_timezone
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.customers.text import normalize_phone
from apps.inventory.models import Category, GoldRate, Item
from apps.core.money import currency_exponent
from apps.inventory.services import category_create, gold_rate_set, item_create
from apps.sales.models import PaymentMethod, Sale
from apps.sales.services import LineInput, PaymentInput, TradeInInput, sale_create, sale_quote
from apps.tenancy.models import Tenant

SKU_PREFIX = "DEMO-"
RECEIPT_PREFIX = "DEMO-S-"
RATE_SOURCE = "demo"
HISTORY_DAYS = 31
SALE_DAYS = 30
SHOP_OPENS, SHOP_CLOSES = 10, 21  # hours, shop time

# An 18k (750) gram, roughly, by shop currency; the board walks around it.
BASE_RATE_750 = {
    "IRR": Decimal("65000000"), "INR": Decimal("7200"), "AED": Decimal("300"),
    "USD": Decimal("80"), "EUR": Decimal("74"),
}
# How much one "unit" of price is worth in the currency, to scale stone
# values, per-gram making charges and watch prices (1 = a US dollar).
MONEY_SCALE = {"IRR": Decimal("820000"), "INR": Decimal("88"), "AED": Decimal("3.67"), "USD": Decimal(1), "EUR": Decimal("0.92")}

IRAN_MOBILE_PREFIXES = ("0912", "0935", "0919", "0901", "0936", "0937", "0910", "0930", "0917", "0938", "0915", "0921")

# Fineness mix of the stock (parts per thousand, weight of the draw).
FINENESS_MIX = ((750, 40), (705, 15), (916, 15), (875, 10), (585, 12), (999, 8))


@dataclass(frozen=True)
class Kind:
    key: str
    en: str
    fa: str
    share: int  # of the stock, percent
    weight: tuple[str, str]  # gross grams, min/max
    stones: int  # percent of pieces with set stones


KINDS = (
    Kind("rings", "Rings", "انگشتر", 24, ("1.500", "12.000"), 45),
    Kind("necklaces", "Necklaces", "گردنبند", 14, ("6.000", "60.000"), 30),
    Kind("bracelets", "Bracelets", "دستبند", 15, ("4.000", "45.000"), 15),
    Kind("earrings", "Earrings", "گوشواره", 15, ("1.000", "10.000"), 40),
    Kind("chains", "Chains", "زنجیر", 14, ("2.500", "50.000"), 0),
    Kind("coins", "Coins", "سکه", 8, ("1.010", "8.133"), 0),
    Kind("watches", "Watches", "ساعت", 10, ("30.000", "60.000"), 0),
)
STYLES = {
    "en": ("Classic", "Venetian", "Heart", "Solitaire", "Twisted", "Cuban", "Rope", "Leaf", "Flower", "Infinity", "Bangle", "Hoop"),
    "fa": ("کلاسیک", "ونیزی", "قلب", "تک‌نگین", "فانتزی", "کارتیه", "طنابی", "برگ", "گل", "بی‌نهایت", "النگو", "حلقه‌ای"),
}
COIN_WEIGHTS = ("8.133", "4.066", "2.033", "1.010")
WATCH_BRANDS = ("Rolex", "Omega", "Longines", "Tissot", "Seiko", "Citizen", "Rado", "Tag Heuer")


def _money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-currency_exponent(currency)), rounding=ROUND_HALF_UP)


def _round_to(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _between(rng: random.Random, low: str, high: str, places: int = 3) -> Decimal:
    scale = 10**places
    return Decimal(rng.randint(int(Decimal(low) * scale), int(Decimal(high) * scale))) / scale


class Command(BaseCommand):
    help = "Seeds a shop with demo stock, customers, gold rates and a month of sales (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="The shop's schema name.")
        parser.add_argument("--items", type=int, default=500)
        parser.add_argument("--customers", type=int, default=200)
        parser.add_argument("--sales", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1404, help="Same seed, same data.")

    def handle(self, *args, shop: str, items: int, customers: int, sales: int, seed: int, **options):
        if min(items, customers, sales) < 0:
            raise CommandError("Counts cannot be negative.")
        tenant = Tenant.objects.filter(schema_name=shop).first()
        if tenant is None or tenant.is_template or shop == "public":
            raise CommandError(f"No shop with schema '{shop}'.")
        started = time.monotonic()
        with tenant:
            seeder = DemoSeeder(shop=tenant, seed=seed)
            made = seeder.run(items=items, customers=customers, sales=sales)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Seeded {tenant.schema_name}: {made['rates']} gold rates, {made['items']} items, "
            f"{made['customers']} customers, {made['sales']} sales added in {elapsed:.1f}s "
            f"(now {made['total_items']} demo items, {made['total_customers']} demo customers, "
            f"{made['total_sales']} demo sales)."
        )


class DemoSeeder:
    def __init__(self, *, shop: Tenant, seed: int):
        self.shop = shop
        self.seed = seed
        self.currency = shop.currency
        self.lang = "fa" if shop.language == Tenant.Language.FA else "en"
        self.base_rate = BASE_RATE_750.get(self.currency, BASE_RATE_750["USD"])
        self.scale = MONEY_SCALE.get(self.currency, Decimal(1))
        self.now = timezone.now()
        self.zone = shop_timezone(shop)
        self.today = self.now.astimezone(self.zone).date()

    def rng(self, *key) -> random.Random:
        return random.Random("-".join(map(str, (self.seed, *key))))

    def run(self, *, items: int, customers: int, sales: int) -> dict:
        self.actor = self._actor()
        self.branch = self._branch()
        made = {}
        with transaction.atomic():
            made["rates"] = self.gold_rates()
        with transaction.atomic():
            made["items"] = self.items(items)
        with transaction.atomic():
            made["customers"] = self.customers(customers)
        with transaction.atomic():
            made["sales"] = self.sales(sales, customer_count=customers)
        made["total_items"] = Item.objects.filter(sku__startswith=SKU_PREFIX).count()
        made["total_customers"] = Customer.objects.filter(phone__in=[self.phone(i) for i in range(1, customers + 1)]).count()
        made["total_sales"] = Sale.objects.filter(receipt_number__startswith=RECEIPT_PREFIX).count()
        return made

    # ------------------------------------------------------------------
    # who and where
    # ------------------------------------------------------------------

    def _actor(self) -> User:
        for role in (Role.OWNER, Role.MANAGER):
            user = User.objects.filter(role=role, is_active=True).order_by("date_joined", "pk").first()
            if user is not None:
                return user
        raise CommandError("The shop has no active owner or manager to record the demo data under.")

    def _branch(self) -> Branch:
        branch = Branch.objects.filter(is_active=True).order_by("created_at").first()
        return branch or branch_create(name="Main")

    # ------------------------------------------------------------------
    # gold rates: one a day for the past month, a gentle random walk
    # ------------------------------------------------------------------

    def gold_rates(self) -> int:
        if GoldRate.objects.filter(source=RATE_SOURCE).exists():
            return 0
        rng = self.rng("rates")
        rate = self.base_rate * Decimal("0.96")
        step = Decimal(1000) if self.currency == "IRR" else Decimal("0.01")
        start = (self.now - timedelta(days=HISTORY_DAYS)).replace(hour=9, minute=0, second=0, microsecond=0)
        for day in range(HISTORY_DAYS + 1):
            rate = rate * (1 + Decimal(rng.randint(-120, 150)) / 10000)
            effective = start + timedelta(days=day)
            if effective > self.now:
                break
            gold_rate_set(
                actor=self.actor, base_rate=_round_to(rate, step), base_fineness=750, effective_at=effective, source=RATE_SOURCE
            )
        return GoldRate.objects.filter(source=RATE_SOURCE).count()

    # ------------------------------------------------------------------
    # stock
    # ------------------------------------------------------------------

    def categories(self) -> dict[str, Category]:
        found = {}
        for kind in KINDS:
            category = Category.objects.filter(name__iexact=kind.fa).first() or Category.objects.filter(name__iexact=kind.en).first()
            found[kind.key] = category or category_create(name=kind.fa if self.lang == "fa" else kind.en)
        return found

    def kind_for(self, rng: random.Random) -> Kind:
        return rng.choices(KINDS, weights=[k.share for k in KINDS])[0]

    def item_spec(self, index: int) -> dict:
        rng = self.rng("item", index)
        kind = self.kind_for(rng)
        style = rng.randrange(len(STYLES["en"]))
        if kind.key == "watches":
            brand = rng.choice(WATCH_BRANDS)
            price = _money(_round_to(Decimal(rng.randint(180, 2400)) * self.scale, self.scale * 10), self.currency)
            name = f"{kind.fa} {brand}" if self.lang == "fa" else f"{brand} watch"
            return {
                "kind": kind, "name": name, "fineness": 750, "gross_weight": _between(rng, *kind.weight),
                "stone_weight": Decimal("0.000"), "making_mode": "percent", "making_value": Decimal(0),
                "stone_value": Decimal(0), "pricing_mode": "fixed", "fixed_price": price,
                "cost": _money(price * Decimal("0.8"), self.currency),
                "quantity": rng.randint(1, 3), "is_unique_piece": False,
            }
        if kind.key == "coins":
            fineness = rng.choice((916, 999))
            gross = Decimal(rng.choice(COIN_WEIGHTS))
        else:
            fineness = rng.choices([f for f, _ in FINENESS_MIX], weights=[w for _, w in FINENESS_MIX])[0]
            gross = _between(rng, *kind.weight)
        stone_weight, stone_value = Decimal("0.000"), Decimal(0)
        if rng.randint(1, 100) <= kind.stones:
            stone_weight = min(_between(rng, "0.050", "1.200"), (gross / 3).quantize(Decimal("0.001")))
            stone_value = _money(_round_to(Decimal(rng.randint(30, 900)) * self.scale, self.scale), self.currency)
        draw = rng.randint(1, 100)
        if kind.key == "coins":
            making_mode, making_value = "fixed", _money(Decimal(rng.randint(3, 12)) * self.scale, self.currency)
        elif draw <= 75:
            making_mode, making_value = "percent", Decimal(rng.randint(5, 25))
        else:
            making_mode = "per_gram"
            making_value = _money(_round_to(Decimal(rng.randint(2, 9)) * self.scale, self.scale / 10), self.currency)
        unique = kind.key != "coins" and rng.randint(1, 100) <= 40
        quantity = 1 if unique else rng.randint(2, 12 if kind.key == "coins" else 5)
        karat = {750: "18", 705: "17", 916: "22", 875: "21", 585: "14", 999: "24"}[fineness]
        if self.lang == "fa":
            name = f"{kind.fa} {STYLES['fa'][style]} {karat} عیار"
        else:
            name = f"{STYLES['en'][style]} {karat}k {kind.en.lower().rstrip('s')}"
        gold_value = (gross - stone_weight) * self.base_rate * fineness / 750
        return {
            "kind": kind, "name": name, "fineness": fineness, "gross_weight": gross, "stone_weight": stone_weight,
            "making_mode": making_mode, "making_value": making_value, "stone_value": stone_value,
            "pricing_mode": "gold_rate", "fixed_price": None,
            "cost": _money(gold_value * Decimal("1.04") + stone_value * Decimal("0.7"), self.currency),
            "quantity": quantity, "is_unique_piece": unique,
        }

    def items(self, count: int) -> int:
        categories = self.categories()
        wanted = [f"{SKU_PREFIX}{i:05d}" for i in range(1, count + 1)]
        existing = set(Item.objects.filter(sku__in=wanted).values_list("sku", flat=True))
        made = 0
        for index, sku in enumerate(wanted, start=1):
            if sku in existing:
                continue
            spec = self.item_spec(index)
            kind = spec.pop("kind")
            item_create(actor=self.actor, sku=sku, category=categories[kind.key], branch=self.branch, **spec)
            made += 1
        return made

    # ------------------------------------------------------------------
    # customers
    # ------------------------------------------------------------------

    @staticmethod
    def phone(index: int) -> str:
        """A distinct Iranian mobile number per index (E.164): the multiplier
        is coprime with 10^7, so numbers under one prefix never repeat."""
        prefix = IRAN_MOBILE_PREFIXES[index % len(IRAN_MOBILE_PREFIXES)]
        number = (index * 7_654_321 + 1_234_567) % 10_000_000
        return normalize_phone(f"{prefix}{number:07d}")

    def customers(self, count: int) -> int:
        phones = {i: self.phone(i) for i in range(1, count + 1)}
        existing = set(Customer.objects.filter(phone__in=phones.values()).values_list("phone", flat=True))
        fake = Faker("fa_IR")
        made = 0
        for index, phone in phones.items():
            if phone in existing:
                continue
            fake.seed_instance(self.seed * 100_000 + index)
            rng = self.rng("customer", index)
            birthday = fake.date_of_birth(minimum_age=18, maximum_age=80) if rng.random() < 0.5 else None
            customer_create(full_name=f"{fake.first_name()} {fake.last_name()}", phone=phone, birthday=birthday)
            made += 1
        return made

    # ------------------------------------------------------------------
    # sales
    # ------------------------------------------------------------------

    def sale_time(self, index: int, count: int) -> datetime:
        """Sale `index` of `count`, in order over the 30 days before today,
        in shop hours (10:00 to 21:00, shop time)."""
        rng = self.rng("sale-time", index)
        position = (index - 0.5) * SALE_DAYS / max(count, 1)
        day = self.today - timedelta(days=SALE_DAYS - int(position))
        minutes = int((position % 1) * (SHOP_CLOSES - SHOP_OPENS) * 60) + rng.randint(-20, 20)
        minutes = min(max(minutes, 0), (SHOP_CLOSES - SHOP_OPENS) * 60 - 1)
        opening = datetime.combine(day, dt_time(SHOP_OPENS), tzinfo=self.zone)
        return min(opening + timedelta(minutes=minutes, seconds=rng.randint(0, 59)), self.now - timedelta(minutes=1))

    def sales(self, count: int, *, customer_count: int) -> int:
        receipts = {i: f"{RECEIPT_PREFIX}{i:05d}" for i in range(1, count + 1)}
        existing = set(Sale.objects.filter(receipt_number__in=receipts.values()).values_list("receipt_number", flat=True))
        todo = [i for i in receipts if receipts[i] not in existing]
        if not todo:
            return 0
        stock = {
            item.pk: item
            for item in Item.objects.filter(
                sku__startswith=SKU_PREFIX, branch=self.branch, is_deleted=False, status=Item.Status.IN_STOCK, quantity__gt=0
            ).order_by("sku")
        }
        left = {pk: item.quantity for pk, item in stock.items()}
        customers = list(
            Customer.objects.filter(phone__in=[self.phone(i) for i in range(1, customer_count + 1)], is_deleted=False).order_by("phone")
        )
        exponent = currency_exponent(self.currency)
        made = 0
        for index in todo:
            rng = self.rng("sale", index)
            available = sorted(pk for pk, n in left.items() if n > 0)
            if not available:
                break
            picked = rng.sample(available, k=min(len(available), rng.choices((1, 2, 3), weights=(70, 22, 8))[0]))
            lines = []
            for pk in picked:
                quantity = 1 if stock[pk].is_unique_piece or left[pk] < 2 or rng.random() < 0.8 else 2
                lines.append(LineInput(item_id=pk, quantity=quantity))
            trade_ins = []
            if rng.random() < 0.15:
                trade_ins.append(
                    TradeInInput(weight=_between(rng, "1.500", "12.000"), fineness=rng.choice((750, 705, 585)),
                                 deduction_percent=Decimal(rng.choice((0, 1, 2, 3))), description="طلای کهنه")
                )
            occurred_at = self.sale_time(index, count)
            quote = sale_quote(lines=lines, trade_ins=trade_ins, occurred_at=occurred_at)
            if quote.due < 0:  # the old gold is worth more than the piece: no trade-in on this one
                trade_ins = []
                quote = sale_quote(lines=lines, occurred_at=occurred_at)
            payments = self.payments(rng, quote.due, exponent)
            sale_create(
                actor=self.actor, branch=self.branch, lines=lines, payments=payments, trade_ins=trade_ins,
                customer=rng.choice(customers) if customers and rng.random() < 0.75 else None,
                occurred_at=occurred_at, receipt_number=receipts[index],
            )
            for line in lines:
                left[line.item_id] -= line.quantity
            made += 1
        return made

    @staticmethod
    def payments(rng: random.Random, due: Decimal, exponent: int) -> list[PaymentInput]:
        if due <= 0:
            return []
        draw = rng.random()
        if draw < 0.45:
            return [PaymentInput(method=PaymentMethod.CASH, amount=due)]
        if draw < 0.75:
            return [PaymentInput(method=PaymentMethod.CARD, amount=due, reference=f"POS-{rng.randint(100000, 999999)}")]
        if draw < 0.85:
            return [PaymentInput(method=PaymentMethod.BANK_TRANSFER, amount=due, reference=f"SATNA-{rng.randint(10**7, 10**8 - 1)}")]
        cash = (due * Decimal(rng.randint(20, 60)) / 100).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
        if cash <= 0 or cash >= due:
            return [PaymentInput(method=PaymentMethod.CASH, amount=due)]
        return [
            PaymentInput(method=PaymentMethod.CASH, amount=cash),
            PaymentInput(method=PaymentMethod.CARD, amount=due - cash, reference=f"POS-{rng.randint(100000, 999999)}"),
        ]
