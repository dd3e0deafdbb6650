"""The shop's invoice identity, amount unit and making-charge limit: set by
an owner on the settings page, each change audited, bad input a form error
that changes nothing."""
from decimal import Decimal

import pytest

from apps.core.models import AuditEntry
from tests.helpers import text

IDENTITY = {"settings": "invoice", "legal_name": "Zargar Gold Co.", "address": "12 Bazaar St, Tehran",
            "phone": "+98 21 5555 1234", "postal_code": "1234567890", "economic_code": "411111111111",
            "national_id": "10101010101"}


def test_an_owner_sets_the_invoice_identity_and_it_is_audited(as_owner, shop, owner):
    response = as_owner.post("/settings/", IDENTITY)
    assert response.status_code == 302, text(response)
    shop.refresh_from_db()
    assert (shop.legal_name, shop.economic_code, shop.national_id) == ("Zargar Gold Co.", "411111111111", "10101010101")
    entry = AuditEntry.objects.get(action="tenancy.shop_economic_code_set")
    assert (entry.before, entry.after, entry.actor) == ({"economic_code": ""}, {"economic_code": "411111111111"}, owner)
    assert "411111111111" in text(as_owner.get("/settings/"))


def test_amount_unit_and_making_limit(as_owner, shop):
    response = as_owner.post("/settings/", {"settings": "prices", "amount_unit": "toman", "making_percent_max": "۳۵",
                                            "gold_rate_max_age_hours": "۱۲"})
    assert response.status_code == 302, text(response)
    shop.refresh_from_db()
    assert (shop.amount_unit, shop.making_percent_max, shop.gold_rate_max_age_hours) == ("toman", Decimal("35"), 12)
    entry = AuditEntry.objects.get(action="tenancy.shop_gold_rate_max_age_hours_set")
    assert (entry.before, entry.after) == ({"gold_rate_max_age_hours": 24}, {"gold_rate_max_age_hours": 12})


@pytest.mark.parametrize("posted", [
    {"settings": "prices", "amount_unit": "dinar", "making_percent_max": "10", "gold_rate_max_age_hours": "24"},
    {"settings": "prices", "amount_unit": "rial", "making_percent_max": "-1", "gold_rate_max_age_hours": "24"},
    {"settings": "prices", "amount_unit": "rial", "making_percent_max": "1" * 30, "gold_rate_max_age_hours": "24"},
    {"settings": "prices", "amount_unit": "rial", "making_percent_max": "abc", "gold_rate_max_age_hours": "24"},
    {"settings": "prices", "amount_unit": "toman", "making_percent_max": "10", "gold_rate_max_age_hours": "721"},
    {"settings": "prices", "amount_unit": "toman", "making_percent_max": "10", "gold_rate_max_age_hours": "1.5"},
    {**IDENTITY, "legal_name": "x" * 201},
    {**IDENTITY, "economic_code": "9" * 21},
])
def test_bad_input_is_a_form_error_and_changes_nothing(as_owner, shop, posted):
    response = as_owner.post("/settings/", posted)
    assert response.status_code == 200
    assert "errorlist" in text(response) or "error" in text(response)
    shop.refresh_from_db()
    assert (shop.amount_unit, shop.making_percent_max, shop.legal_name, shop.gold_rate_max_age_hours) == ("rial", Decimal("100.00"), "", 24)


def test_a_manager_may_not(as_manager, shop):
    assert as_manager.post("/settings/", IDENTITY).status_code == 403
    shop.refresh_from_db()
    assert shop.legal_name == ""
