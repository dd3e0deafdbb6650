"""shop_update: a shop's name and settings, checked by the model's rules."""
from decimal import Decimal

import pytest

from apps.core.errors import ApplicationError
from apps.tenancy.models import Tenant
from apps.tenancy.services import shop_update


def test_settings_change_and_the_name_is_trimmed(shop_a):
    shop = shop_update(tenant=shop_a, name="  Shop A of the bazaar ", vat_percent=Decimal("9"), timezone="Asia/Dubai")
    stored = Tenant.objects.get(pk=shop_a.pk)
    assert (stored.name, stored.vat_percent, stored.timezone) == ("Shop A of the bazaar", Decimal("9.00"), "Asia/Dubai")
    assert shop.name == stored.name


@pytest.mark.parametrize("changes, code, field", [
    ({"schema_name": "elsewhere"}, "invalid_shop_setting", None),
    ({"status": "suspended"}, "invalid_shop_setting", None),
    ({"vat_percent": Decimal("150")}, "invalid_shop", "vat_percent"),
    ({"currency": "XYZ"}, "invalid_shop", "currency"),
    ({"name": "   "}, "invalid_shop", "name"),
    ({"timezone": "Mars/Olympus"}, "invalid_timezone", "timezone"),
])
def test_what_is_not_a_valid_setting_is_refused(shop_a, changes, code, field):
    before = Tenant.objects.values().get(pk=shop_a.pk)
    with pytest.raises(ApplicationError) as err:
        shop_update(tenant=shop_a, **changes)
    assert err.value.code == code
    assert [d["field"] for d in err.value.details][:1] == ([field] if field else [])
    assert Tenant.objects.values().get(pk=shop_a.pk) == before


def test_the_template_is_not_a_shop(db):
    template = Tenant.objects.get(is_template=True)
    with pytest.raises(ApplicationError) as err:
        shop_update(tenant=template, name="Mine now")
    assert err.value.code == "not_a_shop"
