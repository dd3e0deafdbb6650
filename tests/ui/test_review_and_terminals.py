"""What the dashboard and a cashier see of terminals and the review queue
(the queue itself: tests/review/; the terminal pages: tests/pos_sync/)."""
from apps.branches.models import Terminal
from tests.helpers import text
from tests.review.conftest import conflict  # noqa: F401  (fixture)


def test_the_dashboard_shows_terminals_and_open_conflicts(as_manager, conflict):  # noqa: F811  (the fixture imported above)
    page = text(as_manager.get("/"))
    assert 'id="terminals"' in page and "open in the review queue" in page


def test_cashiers_cannot_touch_terminals_or_the_queue(as_cashier, conflict):  # noqa: F811  (the fixture imported above)
    terminal = Terminal.objects.first()
    assert as_cashier.post(f"/terminals/{terminal.pk}/revoke/").status_code == 403
    assert as_cashier.post(f"/review/{conflict.pk}/resolve/", {"note": "x"}).status_code == 403
