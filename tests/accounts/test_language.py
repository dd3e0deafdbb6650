"""A user's own language (apps.accounts.services.user_language_set)."""
import pytest

from apps.accounts.models import User
from apps.accounts.services import language_check, user_language_set
from apps.core.errors import ApplicationError


def test_a_user_picks_a_language_or_follows_the_shop(in_shop_a):
    user = User.objects.get(email="cashier@shop-a.test")
    user_language_set(user=user, language=" fa ")
    assert User.objects.get(pk=user.pk).language == "fa"
    user_language_set(user=user, language="")
    assert User.objects.get(pk=user.pk).language == ""


def test_an_unknown_language_is_refused(in_shop_a):
    user = User.objects.get(email="cashier@shop-a.test")
    with pytest.raises(ApplicationError) as err:
        user_language_set(user=user, language="xx")
    assert err.value.code == "invalid_language"
    assert User.objects.get(pk=user.pk).language == ""


def test_blank_is_a_choice_only_where_allowed():
    assert language_check("", allow_blank=True) == ""
    assert language_check("en", allow_blank=False) == "en"
    with pytest.raises(ApplicationError):
        language_check("", allow_blank=False)
