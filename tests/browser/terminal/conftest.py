"""Fixtures of the browser-terminal tests: a real gunicorn (static files
included, WhiteNoise), a shop of their own per test, Playwright driving
Debian's Chromium with persistent profiles."""
import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.terminal.steps import TerminalShop, free_port
from tests.conftest import child_env
from tests.helpers import gunicorn_serving


@pytest.fixture(scope="module")
def server(django_db_setup):
    with gunicorn_serving("--workers", "2", "--threads", "4", port=free_port(), env=child_env()) as url:
        yield url


@pytest.fixture
def terminal_shop(server, django_db_blocker):
    with django_db_blocker.unblock():
        made = TerminalShop()
        made.url = f"http://{made.domain}:{server.rsplit(':', 1)[1]}"
        yield made
        made.drop()


@pytest.fixture
def db_open(django_db_setup, django_db_blocker):
    """The database open to this test's own threads, with no test transaction: what the servers commit is seen."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="module")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        yield driver
