"""What the terminals page and API list (apps/pos_sync/selectors.py)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.branches.models import Branch
from apps.branches.services import terminal_create
from apps.pos_sync.selectors import terminal_list
from apps.pos_sync.services import device_enroll, device_revoke, enrollment_code_issue


def enrol(terminal, name: str):
    return device_enroll(code=enrollment_code_issue(terminal=terminal).code, name=name).device


def test_terminal_list_shows_only_the_devices_still_enrolled(in_shop_a):
    main, bazaar = Branch.objects.get(name="Main"), Branch.objects.get(name="Bazaar")
    bazaar_till = terminal_create(branch=bazaar, name="Bazaar till")
    main_two, main_one = terminal_create(branch=main, name="Main B"), terminal_create(branch=main, name="Main A")
    enrol(main_two, "old tablet")
    device_revoke(terminal=main_two)
    tablet = enrol(main_one, "tablet")

    with CaptureQueriesContext(connection) as queries:
        rows = [(t.name, t.number, [d.pk for d in t.active_devices]) for t in terminal_list()]
    # Branches oldest first, then by number; devices fetched with the list.
    assert rows == [("Main B", 1, []), ("Main A", 2, [tablet.pk]), ("Bazaar till", 1, [])]
    assert len(queries) == 2
    assert bazaar_till.receipt_prefix == "B2T1"
