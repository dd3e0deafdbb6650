"""The sync push through PgBouncer in transaction mode: tests of
tests/pos_sync/test_push.py again (a push, a replay, the per-sale savepoint
path, the device lock held by another connection, a lock timeout), then two
shops' terminals pushing at once through ONE server connection."""
import pytest

from tests.pos_sync.conftest import device_a  # noqa: F401 - fixture of the tests below
from tests.pos_sync.test_push import (  # noqa: F401 - the same tests, run here through the pooler
    rate,
    test_a_lock_wait_that_times_out_is_retry_for_it_and_all_after,
    test_a_replayed_push_gets_the_stored_results_and_writes_nothing,
    test_a_sale_is_applied_with_an_invoice_number,
    test_a_second_concurrent_push_from_one_device_is_409,
    test_each_operation_is_all_or_nothing_when_the_set_wise_write_fails,
)

pytestmark = pytest.mark.usefixtures("through_pgbouncer")
