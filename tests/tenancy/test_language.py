"""The shop's language (apps.tenancy.services.shop_language_set): only
with accounts.manage_shop, audited in the shop's schema."""
import pytest

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.tenancy.models import Tenant
from apps.tenancy.services import shop_language_set


def test_the_owner_sets_the_shops_language_with_an_audit_entry(in_shop_a):
    owner = User.objects.get(email="owner@shop-a.test")
    before = in_shop_a.language
    new = "en" if before == "fa" else "fa"
    shop_language_set(shop=in_shop_a, actor=owner, language=new)
    assert Tenant.objects.get(pk=in_shop_a.pk).language == new
    entry = AuditEntry.objects.get(action="tenancy.shop_language_set")
    assert (entry.actor, entry.before, entry.after) == (owner, {"language": before}, {"language": new})


def test_setting_the_same_language_writes_nothing(in_shop_a):
    owner = User.objects.get(email="owner@shop-a.test")
    shop_language_set(shop=in_shop_a, actor=owner, language=in_shop_a.language)
    assert not AuditEntry.objects.filter(action="tenancy.shop_language_set").exists()


@pytest.mark.parametrize("email, language, code", [
    ("manager@shop-a.test", "en", "permission_denied"),
    ("owner@shop-a.test", "", "invalid_language"),
    ("owner@shop-a.test", "de", "invalid_language"),
])
def test_refused(in_shop_a, email, language, code):
    before = in_shop_a.language
    with pytest.raises(ApplicationError) as err:
        shop_language_set(shop=in_shop_a, actor=User.objects.get(email=email), language=language)
    assert err.value.code == code
    assert Tenant.objects.get(pk=in_shop_a.pk).language == before
