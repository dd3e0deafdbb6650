"""The resource tests' clients: `manager` and `cashier` here are shop A's
staff on the API (real JWTs, obtained once per session) with the small
shop's worth of data of tests/world.py built first."""
import pytest

from tests.helpers import staff_client


@pytest.fixture
def manager(world):
    return staff_client("a", "manager")


@pytest.fixture
def cashier(world):
    return staff_client("a", "cashier")
