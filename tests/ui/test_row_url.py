"""{{ pk|row_url:name }} is {% url name pk %}, reversed once a pattern."""
import uuid

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from apps.ui.templatetags.ui import row_url


@pytest.mark.parametrize("name, pk", [("ui:sale-invoice", uuid.uuid4()), ("ui:item-detail", uuid.uuid4()),
                                      ("ui:customer-detail", uuid.uuid4()), ("ui:staff-detail", 42)])
def test_a_rows_url_is_what_url_gives(name, pk):
    assert row_url(pk, name) == reverse(name, args=[pk], urlconf="config.urls_tenant")
    assert row_url(pk, name) != row_url(uuid.uuid4() if isinstance(pk, uuid.UUID) else pk + 1, name)


def test_it_follows_the_script_prefix_and_refuses_a_name_without_an_id():
    pk = uuid.uuid4()
    try:
        set_script_prefix("/shop/")
        assert row_url(pk, "ui:sale-invoice") == f"/shop/sales/{pk}/"
    finally:
        set_script_prefix("/")
    assert row_url(pk, "ui:sale-invoice") == f"/sales/{pk}/"
    with pytest.raises(NoReverseMatch):
        row_url(pk, "ui:dashboard")
