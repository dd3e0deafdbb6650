"""core.admin_writes.ServiceAdmin: a refusal of a service during an admin
delete or action is rolled back whole and shown as a message, never a 500."""
import pytest

from apps.accounts.models import User
from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.inventory import services as inventory
from apps.inventory.models import Item
from tests.conftest import SHOPS
from tests.vectors import RING


@pytest.fixture
def items(in_shop_a):
    owner = User.objects.get(email=SHOPS["a"]["owner"])
    category = inventory.category_create(name="Admin rings")
    branch = Branch.objects.get(name=SHOPS["a"]["branch"])
    return [inventory.item_create(**RING, sku=f"AW-{n}", category=category, branch=branch, actor=owner) for n in (1, 2)]


@pytest.fixture
def refuse_second(monkeypatch):
    real, calls = inventory.item_delete, []

    def item_delete(*, actor, item):
        calls.append(item.pk)
        if len(calls) == 2:
            raise ApplicationError("item_busy", "This item is on an open invoice.")
        return real(actor=actor, item=item)

    monkeypatch.setattr(inventory, "item_delete", item_delete)
    return calls


def test_a_refused_action_is_rolled_back_whole_and_said(admin_client, items, refuse_second):
    response = admin_client.post("/admin/inventory/item/", {"action": "delete_selected", "post": "yes",
                                                            "_selected_action": [i.pk for i in items]}, follow=True)
    assert response.status_code == 200
    assert "This item is on an open invoice." in response.content.decode()
    assert len(refuse_second) == 2
    assert not Item.objects.filter(pk__in=[i.pk for i in items], is_deleted=True).exists()


def test_a_refused_delete_is_said_on_the_page(admin_client, items, refuse_second):
    refuse_second.append("first call spent")
    response = admin_client.post(f"/admin/inventory/item/{items[0].pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "This item is on an open invoice." in response.content.decode()
    assert not Item.objects.get(pk=items[0].pk).is_deleted
