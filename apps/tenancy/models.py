"""Shops (tenants) and the host names that reach them; public schema."""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

LOW_STOCK_THRESHOLD_DEFAULT = 2
LOW_STOCK_THRESHOLD_MAX = 10_000


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class Currency(models.TextChoices):
        IRR = "IRR", "Iranian rial"
        INR = "INR", "Indian rupee"
        AED = "AED", "UAE dirham"
        USD = "USD", "US dollar"
        EUR = "EUR", "Euro"

    class Language(models.TextChoices):
        FA = "fa", "فارسی"
        EN = "en", "English"

    class TaxRegime(models.TextChoices):
        IR = "IR", "Iran (VAT on making, profit and stones)"
        IN = "IN", "India (3% GST)"
        AE = "AE", "UAE (5% VAT)"
        FLAT = "FLAT", "Flat rate"

    class AmountUnit(models.TextChoices):
        """How an IRR shop's amounts are shown; they are always stored in rial."""
        RIAL = "rial", "Rial"
        TOMAN = "toman", "Toman (1/10 rial)"

    class RoundingMode(models.TextChoices):
        DOWN = "down", "Down"
        UP = "up", "Up"
        NEAREST = "nearest", "Nearest"

    name = models.CharField(max_length=120)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The schema new shops are cloned from is a tenant row too, so that
    # `migrate_schemas` keeps it current; it has no domain and never serves.
    is_template = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Shop settings
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.IRR)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.FA)
    timezone = models.CharField(max_length=64, default="Asia/Tehran")
    tax_regime = models.CharField(max_length=4, choices=TaxRegime.choices, default=TaxRegime.IR)
    vat_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    profit_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("7.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    rounding_increment = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    rounding_mode = models.CharField(max_length=8, choices=RoundingMode.choices, default=RoundingMode.NEAREST)
    price_tolerance_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("1.00"))
    # One reorder point for the dashboard, the low-stock report and the API.
    # 2 warns while a piece is still left to sell (at 1 the warning comes
    # with the last piece), and is what the API has always answered.
    low_stock_threshold = models.PositiveSmallIntegerField(
        default=LOW_STOCK_THRESHOLD_DEFAULT, validators=[MaxValueValidator(LOW_STOCK_THRESHOLD_MAX)],
        help_text="Restockable items at or below this quantity are low on stock.",
    )
    # Owners and managers must sign in with a code from an app as well
    # (apps/accounts/mfa.py); cashiers may, but are never made to.
    mfa_required = models.BooleanField(default=False, help_text="Owners and managers must use two-step sign-in.")

    # What a tax office wants on an invoice (issue 14): the shop's legal
    # identity, printed on the invoice page and its PDF.
    legal_name = models.CharField(max_length=200, blank=True, help_text="The registered name printed on invoices.")
    address = models.CharField(max_length=400, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    economic_code = models.CharField(max_length=20, blank=True, help_text="Economic (tax) code.")
    national_id = models.CharField(max_length=20, blank=True, help_text="National ID of the business.")
    # Display only: IRR amounts stored in rial may be shown in toman.
    amount_unit = models.CharField(max_length=5, choices=AmountUnit.choices, default=AmountUnit.RIAL)
    # The highest making charge an item may carry in percent mode; a typo
    # of 500 % is refused at the form and in the API.
    making_percent_max = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("999.99"))],
        help_text="Highest making charge in percent of the gold value.",
    )
    # The browser terminal warns when the gold rate it prices with is older
    # than this (0: never); offline, the rate cannot be refreshed.
    gold_rate_max_age_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MaxValueValidator(720)],
        help_text="The counter warns when its gold rate is older than this many hours (0: never).",
    )

    auto_create_schema = True

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """A shop's schema is the template's blueprint replayed under its name
        (apps.tenancy.blueprint); the public and template schemas are made by
        django-tenants, with every migration."""
        if self.is_template or self.schema_name == "public" or not sync_schema:
            return super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity)
        from django_tenants.utils import schema_exists

        from apps.tenancy.blueprint import blueprint_apply

        if check_if_exists and schema_exists(self.schema_name):
            return False
        blueprint_apply(schema_name=self.schema_name)
        return True

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(vat_percent__gte=0, vat_percent__lte=100), name="tenant_vat_percent_range"),
            models.CheckConstraint(condition=models.Q(profit_percent__gte=0, profit_percent__lte=100), name="tenant_profit_percent_range"),
            models.CheckConstraint(condition=models.Q(rounding_increment__gte=0), name="tenant_rounding_increment_non_negative"),
            models.CheckConstraint(condition=models.Q(low_stock_threshold__lte=LOW_STOCK_THRESHOLD_MAX),
                                   name="tenant_low_stock_threshold_range"),
            models.CheckConstraint(condition=models.Q(amount_unit__in=["rial", "toman"]), name="tenant_amount_unit_valid"),
            models.CheckConstraint(condition=models.Q(making_percent_max__gte=0), name="tenant_making_percent_max_non_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.schema_name})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class SchemaBlueprint(models.Model):
    """The template schema's DDL (pg_dump), once per migration state: what a
    new shop's schema is made from."""

    state = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the template's applied migrations.")
    ddl = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Blueprint {self.state[:12]} ({self.created_at:%Y-%m-%d %H:%M})"


class Domain(DomainMixin):
    def __str__(self):
        return self.domain


class SchemaMigrationState(models.Model):
    """
    The migration state each schema was last brought to by `migrate_shops`
    (a hash of the template's applied migrations at the time). One SELECT
    against this table finds the schemas that may need work; a row whose
    state differs from the target only means "check again", never "skip".
    Written only by apps/tenancy/upgrade_state.py.
    """

    schema_name = models.CharField(max_length=63, primary_key=True)
    state = models.CharField(max_length=64)
    migrated_at = models.DateTimeField()

    def __str__(self):
        return f"{self.schema_name} at {self.state[:12]}"
