"""Returns racing on real connections, each committed: return numbers stay
gapless per branch and a line never comes back twice."""
import threading

from django.db import connection, connections

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.models import OutboxEvent
from apps.sales.models import Return, ReturnCounter, ReturnLine, Sale
from apps.sales.reversals import sale_return
from apps.sales.services import LineInput, PaymentInput, sale_create
from tests.conftest import run_committed
from tests.sales.test_concurrency import Stock, _clean, _stock


def _sell_all(shop, stock: Stock) -> list:
    connection.set_tenant(shop)
    cashier = User.objects.get(email="cashier@shop-a.test")
    from apps.branches.models import Branch

    branch = Branch.objects.get(pk=stock.branch_id)
    return [
        sale_create(actor=cashier, branch=branch, lines=[LineInput(item_id=item_id)],
                    payments=[PaymentInput(method="cash", amount=stock.total)]).pk
        for item_id in stock.item_ids
    ]


def _race(shop, sale_ids: list) -> list:
    barrier = threading.Barrier(len(sale_ids))
    results = []

    def attempt(sale_id):
        try:
            connection.set_tenant(shop)
            manager = User.objects.get(email="manager@shop-a.test")
            sale = Sale.objects.get(pk=sale_id)
            line = sale.lines.get()
            barrier.wait(30)
            taken = sale_return(actor=manager, sale=sale, lines=[(line.pk, 1)], reason="race")
            results.append(("returned", sale_id, taken.number))
        except ApplicationError as exc:
            results.append((exc.code, sale_id, None))
        except BaseException as exc:  # anything else is a failure of the test
            results.append(("crash", sale_id, repr(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(sale_id,)) for sale_id in sale_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a return hung"
    return results


def _numbers(shop, sale_ids: list) -> list:
    connection.set_tenant(shop)
    return sorted(Return.objects.filter(sale_id__in=sale_ids).values_list("number", flat=True))


def _clean_returns(shop, stock: Stock, sale_ids: list) -> None:
    connection.set_tenant(shop)
    ReturnLine.objects.filter(sale_return__sale_id__in=sale_ids).delete()
    OutboxEvent.objects.filter(topic="sale.returned", payload__sale_id__in=[str(pk) for pk in sale_ids]).delete()
    Return.objects.filter(sale_id__in=sale_ids).delete()
    ReturnCounter.objects.filter(branch_id=stock.branch_id).delete()
    _clean(shop, stock)


def test_concurrent_returns_get_consecutive_numbers_and_a_line_comes_back_once(shop_a, django_db_blocker):
    """Six sales, two threads returning each at once: six returns numbered
    with no gap and no repeat, six clean refusals."""
    with django_db_blocker.unblock():
        stock = run_committed(_stock, shop_a, pieces=6)
        sale_ids = []
        try:
            sale_ids = run_committed(_sell_all, shop_a, stock)
            results = run_committed(_race, shop_a, [pk for pk in sale_ids for _ in range(2)])
            numbers = run_committed(_numbers, shop_a, sale_ids)
        finally:
            run_committed(_clean_returns, shop_a, stock, sale_ids)

    assert not [r for r in results if r[0] == "crash"], results
    returned = [r for r in results if r[0] == "returned"]
    assert sorted(r[1] for r in returned) == sorted(sale_ids)
    assert [r[0] for r in results].count("return_exceeds_sold") == 6
    assert len(numbers) == 6 and numbers == list(range(numbers[0], numbers[0] + 6))
    assert sorted(r[2] for r in returned) == numbers
