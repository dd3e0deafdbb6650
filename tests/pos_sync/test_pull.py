import random
import threading
import time

from django.db import connection, connections, transaction

from apps.customers.services import customer_create
from apps.inventory.models import Item
from apps.inventory.services import item_delete, item_update
from apps.pos_sync.cursor import cursor_encode
from tests.conftest import run_committed
from tests.pos_sync import catalogue
from tests.pos_sync.conftest import enrol_device, pos_client


def pull_all(client, cursor=None, limit=500):
    """Pages until has_more is false; returns the pages."""
    pages = []
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/pos/v1/sync/pull", params)
        assert response.status_code == 200, response.content
        page = response.json()
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return pages


def served(pages, kind="items"):
    return [(row["id"], row["change_number"]) for page in pages for row in page["changes"][kind]]


def committed_rows_remove(shop, enrolled, items):
    """Undoes what a committed test wrote: its items, their ledger and
    category, its device."""
    from apps.inventory.models import Category, StockMovement
    from apps.pos_sync.models import Device

    connection.set_tenant(shop)
    StockMovement.objects.filter(item__in=items).delete()
    Item.objects.filter(pk__in=[item.pk for item in items]).delete()
    Category.objects.filter(pk__in={item.category_id for item in items}, items__isnull=True).delete()
    device = Device.objects.get(pk=enrolled.device.pk)
    terminal = device.terminal
    device.delete()
    terminal.enrollment_codes.all().delete()
    terminal.delete()


def test_first_pull_serves_the_branch_catalogue(device_a):
    main_ring = catalogue.ring()
    catalogue.ring(branch_name="Bazaar")
    rate = catalogue.gold_rate()
    customer = customer_create(full_name="مریم احمدی", phone="09121234567")

    pages = pull_all(pos_client("a", device_a.token))
    page = pages[-1]
    items = {row["id"]: row for p in pages for row in p["changes"]["items"]}
    assert set(items) == {str(main_ring.id)}  # Bazaar's piece is not sold here
    row = items[str(main_ring.id)]
    assert row["net_weight"] == "5.000" and row["fineness"] == 750 and row["making_value"] == "18.00"
    assert row["quantity"] == 1 and row["status"] == "in_stock"
    rates = [r for p in pages for r in p["changes"]["gold_rates"]]
    assert [r["id"] for r in rates] == [str(rate.id)] and rates[0]["base_rate"].startswith("8000000")
    assert [c["id"] for p in pages for c in p["changes"]["customers"]] == [str(customer.id)]
    assert page["changes"]["tax_rule"]["regime"] == "IR"
    assert page["full_resync_required"] is False and page["protocol_version"] == 1


def test_pages_serve_each_change_once_in_order(device_a):
    made = [catalogue.ring() for _ in range(7)]
    pages = pull_all(pos_client("a", device_a.token), limit=3)
    assert len(pages) >= 3
    assert all(p["has_more"] for p in pages[:-1]) and not pages[-1]["has_more"]
    ids = [item_id for item_id, _ in served(pages)]
    assert sorted(ids) == sorted(str(i.id) for i in made)
    numbers = [n for p in pages for kind in ("items", "categories", "customers", "gold_rates") for n in
               [row["change_number"] for row in p["changes"][kind]]]
    assert len(numbers) == len(set(numbers))


def test_changes_after_the_cursor_come_in_the_next_pull(device_a):
    client = pos_client("a", device_a.token)
    first, second = catalogue.ring(), catalogue.ring()
    cursor = pull_all(client)[-1]["next_cursor"]
    assert pull_all(client, cursor)[-1]["changes"]["items"] == []

    item_update(actor=catalogue.owner(), item=first, making_value=first.making_value + 1)
    item_delete(actor=catalogue.owner(), item=second)
    page = pull_all(client, cursor)[-1]
    assert [row["id"] for row in page["changes"]["items"]] == [str(first.id)]
    assert page["changes"]["items"][0]["making_value"] == "19.00"
    assert page["deleted"]["items"] == [str(second.id)]


def test_unusable_cursors_ask_for_a_full_resync(device_a, shop_b):
    client = pos_client("a", device_a.token)
    for cursor in ("garbage!!", cursor_encode(10**12)):
        page = client.get("/api/pos/v1/sync/pull", {"cursor": cursor}).json()
        assert page["full_resync_required"] is True
        assert page["changes"]["items"] == []
    connection.set_tenant(shop_b)
    foreign = cursor_encode(1)
    assert client.get("/api/pos/v1/sync/pull", {"cursor": foreign}).json()["full_resync_required"] is True


def test_bad_limit_is_400(device_a):
    response = pos_client("a", device_a.token).get("/api/pos/v1/sync/pull", {"limit": "0"})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "limit"


def test_a_late_commit_with_a_lower_number_is_never_skipped(shop_a, django_db_blocker):
    """Writer 1 stamps item X and holds its transaction open; writer 2 stamps
    item Y (a higher number) and commits. A pull running now must not hand
    out a cursor past X's number before X is visible: it waits for writer 1."""
    with django_db_blocker.unblock():
        def setup():
            connection.set_tenant(shop_a)
            enrolled = enrol_device(shop_a, name="Pull race")
            return enrolled, catalogue.ring(), catalogue.ring()

        enrolled, x, y = run_committed(setup)
        client = pos_client("a", enrolled.token)
        cursor = run_committed(lambda: pull_all(client))[-1]["next_cursor"]

        x_stamped, release_x = threading.Event(), threading.Event()

        def slow_writer():
            connection.set_tenant(shop_a)
            try:
                with transaction.atomic():
                    Item.objects.filter(pk=x.pk).update(name="X changed")
                    x_stamped.set()
                    release_x.wait(10)
            finally:
                connections.close_all()

        writer = threading.Thread(target=slow_writer)
        writer.start()
        assert x_stamped.wait(10)

        def fast_writer():
            connection.set_tenant(shop_a)
            Item.objects.filter(pk=y.pk).update(name="Y changed")

        run_committed(fast_writer)
        pulled = {}
        reader = threading.Thread(target=lambda: pulled.update(pages=run_committed(pull_all, client, cursor)))
        reader.start()
        reader.join(0.5)
        assert reader.is_alive(), "the pull must wait for the open writer"
        release_x.set()
        writer.join(10)
        reader.join(10)
        names = {row["id"]: row["name"] for page in pulled["pages"] for row in page["changes"]["items"]}
        assert names == {str(x.id): "X changed", str(y.id): "Y changed"}

        run_committed(committed_rows_remove, shop_a, enrolled, [x, y])


def test_concurrent_writers_page_by_page_no_change_skipped_or_served_twice(shop_a, django_db_blocker):
    """Four writers change 80 items, each item once, every change in its own
    transaction held open for a random moment (so commits land out of
    change-number order), while a terminal pulls two rows a page; then it
    pulls what is left. Each change is served exactly once: none skipped,
    none twice."""
    with django_db_blocker.unblock():
        def setup():
            connection.set_tenant(shop_a)
            return enrol_device(shop_a, name="Pull stress"), [catalogue.ring() for _ in range(80)]

        enrolled, items = run_committed(setup)

        try:
            client = pos_client("a", enrolled.token)
            cursor = run_committed(lambda: pull_all(client))[-1]["next_cursor"]
            writers_done = threading.Event()

            def writer(number):
                connection.set_tenant(shop_a)
                rng = random.Random(number)
                try:
                    for item in items[number::4]:
                        with transaction.atomic():
                            Item.objects.filter(pk=item.pk).update(name=f"changed by writer {number}")
                            time.sleep(rng.uniform(0, 0.01))
                finally:
                    connections.close_all()

            def reader():
                pages, position = [], cursor
                while True:
                    caught_up = writers_done.is_set()
                    more = pull_all(client, position, limit=2)
                    pages += more
                    position = more[-1]["next_cursor"]
                    if caught_up:
                        return pages

            writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
            pulled = {}
            reading = threading.Thread(target=lambda: pulled.update(pages=run_committed(reader)))
            reading.start()
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join(30)
            writers_done.set()
            reading.join(30)
            assert not reading.is_alive()

            rows = [row for page in pulled["pages"] for row in page["changes"]["items"]]
            pairs = [(row["id"], row["change_number"]) for row in rows]
            assert len(pairs) == len(set(pairs)), "a change was served twice"
            assert len(pulled["pages"]) > 10  # it really paged while the writers wrote

            def final_state():
                connection.set_tenant(shop_a)
                return {str(pk): (name, number) for pk, name, number in
                        Item.objects.filter(pk__in=[i.pk for i in items]).values_list("pk", "name", "change_number")}

            final = run_committed(final_state)
            assert len(rows) == len(items), "a change was skipped"
            assert {row["id"]: (row["name"], row["change_number"]) for row in rows} == final, "a change was skipped"
        finally:
            run_committed(committed_rows_remove, shop_a, enrolled, items)
