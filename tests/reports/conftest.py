"""The reports' tests use the staff UI's fixtures (shop A as an Iranian shop,
its staff logged in, stock made through the services) and the API's world."""
from tests.api.conftest import world  # noqa: F401
from tests.ui.conftest import (  # noqa: F401
    as_cashier,
    as_manager,
    as_owner,
    branch,
    cashier,
    category,
    gold_rate,
    make_item,
    manager,
    owner,
    shop,
)
