from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.errors import ApplicationError
from apps.inventory.shop_pricing import item_price_quote, tax_rules_for_shop
from apps.inventory.selectors import (
    SEARCH_LIMIT_MAX,
    gold_rate_current,
    gold_rate_for_fineness,
    item_ledger_sum,
    item_list_low_stock,
    item_search,
)
from apps.inventory.services import gold_rate_set, item_delete, stock_move


def shop_settings(shop, **settings):
    """Changes the shop's settings inside the test's transaction (rolled back)."""
    for name, value in settings.items():
        setattr(shop, name, value)
    shop.save()
    return shop


# --------------------------------------------------------------------------
# rates
# --------------------------------------------------------------------------


def test_rate_is_scaled_by_purity_unless_set_explicitly(owner):
    board = gold_rate_set(actor=owner, base_rate=Decimal("8000000"), explicit_rates={916: Decimal("9900000")})

    assert gold_rate_for_fineness(gold_rate=board, fineness=750) == Decimal("8000000")
    assert gold_rate_for_fineness(gold_rate=board, fineness=585) == Decimal("6240000")
    assert gold_rate_for_fineness(gold_rate=board, fineness=916) == Decimal("9900000")  # not 9770666.67
    with pytest.raises(ApplicationError) as caught:
        gold_rate_for_fineness(gold_rate=board, fineness=0)
    assert caught.value.code == "invalid_fineness"


def test_no_rate_before_any_is_set(in_shop_a):
    assert gold_rate_current() is None


# --------------------------------------------------------------------------
# price quotes (PRICING.md test vectors)
# --------------------------------------------------------------------------


def test_quote_reproduces_vector_1_for_an_iran_shop(in_shop_a, make_item, owner):
    shop = shop_settings(in_shop_a, vat_percent=Decimal("10"), profit_percent=Decimal("7"))
    gold_rate_set(actor=owner, base_rate=Decimal("8000000"), base_fineness=750)
    ring = make_item()  # 18k, net 5 g, making 18%, stones 2,000,000

    quote = item_price_quote(item=ring, shop=shop)

    assert (quote.gold, quote.making, quote.profit, quote.stones) == (40_000_000, 7_200_000, 3_304_000, 2_000_000)
    assert (quote.tax_base, quote.tax) == (12_504_000, 1_250_400)
    assert quote.total == 53_754_400


def test_quote_reproduces_vector_2_with_making_per_gram(in_shop_a, make_item, owner):
    shop = shop_settings(in_shop_a, vat_percent=Decimal("10"), profit_percent=Decimal("7"))
    board = gold_rate_set(actor=owner, base_rate=Decimal("8000000"))
    ring = make_item(making_mode="per_gram", making_value=Decimal("500000"))

    quote = item_price_quote(item=ring, shop=shop, gold_rate=board)

    assert (quote.making, quote.profit, quote.tax) == (2_500_000, 2_975_000, 747_500)
    assert quote.total == 48_222_500


def test_quote_reproduces_vector_3_with_an_explicit_rate_in_india(in_shop_a, make_item, owner):
    shop = shop_settings(in_shop_a, tax_regime="IN", currency="INR", vat_percent=Decimal("3"))
    gold_rate_set(actor=owner, base_rate=Decimal("7000.00"), base_fineness=750, explicit_rates={916: Decimal("9160.00")})
    chain = make_item(
        fineness=916, gross_weight=Decimal("10"), stone_weight=Decimal("0"),
        making_value=Decimal("12"), stone_value=Decimal("30000.00"),
    )

    quote = item_price_quote(item=chain, shop=shop)

    assert (quote.rate, quote.gold, quote.making, quote.profit) == (Decimal("9160"), Decimal("91600.00"), Decimal("10992.00"), 0)
    assert (quote.tax_base, quote.tax) == (Decimal("132592.00"), Decimal("3977.76"))
    assert quote.total == Decimal("136569.76")


def test_quote_reproduces_vector_4_in_the_uae(in_shop_a, make_item, owner):
    shop = shop_settings(in_shop_a, tax_regime="AE", currency="AED", vat_percent=Decimal("5"))
    gold_rate_set(actor=owner, base_rate=Decimal("380.00"), base_fineness=916)
    bangle = make_item(
        fineness=916, gross_weight=Decimal("20"), stone_weight=Decimal("0"),
        making_mode="per_gram", making_value=Decimal("15.00"), stone_value=Decimal("0"),
    )

    quote = item_price_quote(item=bangle, shop=shop)

    assert (quote.gold, quote.making, quote.tax, quote.total) == (Decimal("7600.00"), Decimal("300.00"), Decimal("395.00"), Decimal("8295.00"))


def test_fixed_price_items_need_no_gold_rate(in_shop_a, make_item):
    shop = shop_settings(in_shop_a, vat_percent=Decimal("10"))
    watch = make_item(pricing_mode="fixed", fixed_price=Decimal("15000000"))

    quote = item_price_quote(item=watch, shop=shop)

    assert (quote.fixed, quote.tax, quote.total) == (15_000_000, 1_500_000, 16_500_000)


def test_gold_piece_without_a_rate_cannot_be_quoted(in_shop_a, make_item):
    with pytest.raises(ApplicationError) as caught:
        item_price_quote(item=make_item(), shop=in_shop_a)
    assert caught.value.code == "no_gold_rate"


def test_profit_setting_only_applies_in_iran(in_shop_a):
    shop = shop_settings(in_shop_a, tax_regime="AE", currency="AED", vat_percent=Decimal("5"), profit_percent=Decimal("7"))
    rules = tax_rules_for_shop(shop)
    assert (rules.regime, rules.currency, rules.vat_percent, rules.profit_percent) == ("AE", "AED", Decimal("5"), 0)


def test_unusable_shop_settings_are_an_application_error(in_shop_a):
    shop = shop_settings(in_shop_a, rounding_increment=Decimal("0.50"))  # IRR has no minor unit
    with pytest.raises(ApplicationError) as caught:
        tax_rules_for_shop(shop)
    assert caught.value.code == "invalid_shop_settings"


# --------------------------------------------------------------------------
# stock reads
# --------------------------------------------------------------------------


def test_ledger_sum(make_item):
    item = make_item(quantity=4)
    stock_move(item=item, delta=-6, reason="sale")
    assert item_ledger_sum(item) == -2
    assert item_ledger_sum(make_item(quantity=0)) == 0


def test_low_stock_lists_restockable_items_at_or_below_threshold(make_item, owner):
    low, exact, plenty = make_item(quantity=1), make_item(quantity=2), make_item(quantity=9)
    oversold = make_item(quantity=1)
    stock_move(item=oversold, delta=-3, reason="sale")
    make_item(is_unique_piece=True, quantity=1)
    gone = make_item(quantity=0)
    item_delete(actor=owner, item=gone)

    assert [i.pk for i in item_list_low_stock(2)] == [oversold.pk, low.pk, exact.pk]
    assert plenty.pk not in {i.pk for i in item_list_low_stock(8)}


def test_search_by_sku_barcode_or_name_with_exact_hits_first(make_item, owner):
    band = make_item(sku="B-100", name="Gold band", barcode="6260000000017")
    other = make_item(sku="X-1", name="Band B-100 lookalike")
    deleted = make_item(sku="B-1000", name="Old band")
    item_delete(actor=owner, item=deleted)

    assert [i.pk for i in item_search("b-100")] == [band.pk, other.pk]
    assert [i.pk for i in item_search("6260000000017")] == [band.pk]
    assert {i.pk for i in item_search("BAND")} == {band.pk, other.pk}
    assert item_search("   ") == []


def test_search_results_are_bounded(make_item):
    for _ in range(5):
        make_item(name="Chain")
    assert len(item_search("chain", limit=3)) == 3

    with CaptureQueriesContext(connection) as queries:
        assert len(item_search("chain", limit=10_000)) == 5
    assert f"LIMIT {SEARCH_LIMIT_MAX}" in queries[-1]["sql"]
