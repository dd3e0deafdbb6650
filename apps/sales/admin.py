"""Admin for sales: read-only. Sales change only through the services
(sale_create, sale_void, sale_return), which lock, ledger and audit."""
from django.contrib import admin
from django.db.models import Q

from apps.core.admin import ReadOnlyAdmin
from apps.sales.models import InvoiceCounter, Payment, Return, ReturnLine, Sale, SaleLine, TradeIn
from apps.sales.selectors import sale_search


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SaleLineInline(ReadOnlyInline):
    model = SaleLine
    fields = ("line_no", "item", "quantity", "fineness", "net_weight", "rate", "making_mode", "making_value",
              "gold", "making", "profit", "stones", "fixed", "tax", "discount", "total", "returned_quantity", "override_by")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("method", "amount", "reference", "trade_in")
    readonly_fields = fields


class TradeInInline(ReadOnlyInline):
    model = TradeIn
    fields = ("description", "weight", "fineness", "pure_weight", "pure_rate", "deduction_percent", "value")
    readonly_fields = fields


class ReturnInline(ReadOnlyInline):
    model = Return
    fk_name = "sale"
    fields = ("created_at", "number", "actor", "refund_method", "refund_total", "reason")
    readonly_fields = fields


class SaleSearchMixin:
    """Search by invoice number (exact), receipt number or customer phone;
    `sale_path` leads from the listed model to its sale."""

    sale_path = ""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        match = sale_search(search_term)
        if self.sale_path:
            match = _prefixed(match, self.sale_path)
        return queryset.filter(match), False


def _prefixed(q: Q, prefix: str) -> Q:
    """The same Q, with every lookup reached through `prefix`."""
    children = [_prefixed(c, prefix) if isinstance(c, Q) else (f"{prefix}__{c[0]}", c[1]) for c in q.children]
    return Q(*children, _connector=q.connector, _negated=q.negated)


@admin.register(Sale)
class SaleAdmin(SaleSearchMixin, ReadOnlyAdmin):
    list_display = ("invoice_number", "branch", "occurred_at", "status", "source", "customer", "cashier",
                    "total", "receipt_number")
    list_filter = ("status", "source", ("branch", admin.RelatedOnlyFieldListFilter), ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("receipt_number",)  # shows the box; the search itself is SaleSearchMixin
    search_help_text = "Invoice label (B1-000042) or number, receipt number or customer phone."
    list_select_related = ("branch", "customer", "cashier")
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    inlines = (SaleLineInline, TradeInInline, PaymentInline, ReturnInline)


@admin.register(SaleLine)
class SaleLineAdmin(SaleSearchMixin, ReadOnlyAdmin):
    sale_path = "sale"
    list_display = ("sale", "line_no", "item", "quantity", "fineness", "rate", "total", "returned_quantity", "override_by")
    list_filter = ("sale__status", "sale__source", ("sale__branch", admin.RelatedOnlyFieldListFilter),
                   ("sale__occurred_at", admin.DateFieldListFilter))
    search_fields = ("sale__receipt_number",)
    list_select_related = ("sale", "item", "override_by")
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(SaleSearchMixin, ReadOnlyAdmin):
    sale_path = "sale"
    list_display = ("sale", "method", "amount", "reference")
    list_filter = ("method", "sale__status", "sale__source", ("sale__branch", admin.RelatedOnlyFieldListFilter),
                   ("sale__occurred_at", admin.DateFieldListFilter))
    search_fields = ("sale__receipt_number",)
    list_select_related = ("sale",)
    show_full_result_count = False


@admin.register(TradeIn)
class TradeInAdmin(SaleSearchMixin, ReadOnlyAdmin):
    sale_path = "sale"
    list_display = ("sale", "weight", "fineness", "pure_weight", "pure_rate", "deduction_percent", "value")
    list_filter = ("fineness", "sale__status", ("sale__branch", admin.RelatedOnlyFieldListFilter),
                   ("sale__occurred_at", admin.DateFieldListFilter))
    search_fields = ("sale__receipt_number",)
    list_select_related = ("sale",)
    show_full_result_count = False


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("sale_line", "quantity", "amount")
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(SaleSearchMixin, ReadOnlyAdmin):
    sale_path = "sale"
    list_display = ("created_at", "sale", "refund_total", "actor", "reason")
    list_filter = ("sale__status", ("sale__branch", admin.RelatedOnlyFieldListFilter), ("created_at", admin.DateFieldListFilter))
    search_fields = ("sale__receipt_number",)
    list_select_related = ("sale", "actor")
    inlines = (ReturnLineInline,)
    show_full_result_count = False


@admin.register(ReturnLine)
class ReturnLineAdmin(SaleSearchMixin, ReadOnlyAdmin):
    sale_path = "sale_return__sale"
    list_display = ("sale_return", "sale_line", "quantity", "amount")
    list_filter = (("sale_return__created_at", admin.DateFieldListFilter),)
    search_fields = ("sale_return__sale__receipt_number",)
    list_select_related = ("sale_return", "sale_line")


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(ReadOnlyAdmin):
    list_display = ("branch", "last_number")
    list_select_related = ("branch",)
