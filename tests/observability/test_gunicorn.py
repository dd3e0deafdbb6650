"""Multiprocess mode under a real gunicorn with two worker processes
(config/gunicorn.py): whichever worker answers /metrics, it reports the
requests every worker served."""
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import child_env
from tests.helpers import gunicorn_serving
from tests.observability.conftest import TOKEN, samples, value

PORT = 6531  # this suite's own port range: 6530-6539


@pytest.fixture
def gunicorn(django_db_setup, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    stale = metrics_dir / "histogram_99999.db"
    stale.write_bytes(b"left by a previous run")
    env = child_env(METRICS_TOKEN=TOKEN, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    with gunicorn_serving("-c", "config/gunicorn.py", "--workers", "2", port=PORT, env=env) as url:
        assert not stale.exists()  # emptied when gunicorn started
        yield url, metrics_dir


def test_every_scrape_reports_the_requests_of_all_workers(gunicorn):
    url, metrics_dir = gunicorn
    healthz = {"route": "healthz", "method": "GET", "status": "2xx"}
    count = "zargar_http_request_duration_seconds_count"

    def scrape():
        response = httpx.get(f"{url}/metrics", headers={"Host": "10.42.0.17:8000", "Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        return samples(response.text)

    started = value(scrape(), count, **healthz)  # the start-up probes above

    def probe(_):
        with httpx.Client(headers={"Host": "localhost"}) as client:
            return [client.get(f"{url}/healthz").status_code for _ in range(5)]

    with ThreadPoolExecutor(8) as pool:
        assert all(status == 200 for statuses in pool.map(probe, range(8)) for status in statuses)

    recording = {path.name.split("_")[-1] for path in metrics_dir.glob("histogram_*.db")}
    assert len(recording) == 2, recording  # both worker processes served and recorded requests
    for _ in range(6):  # scrapes land on either worker
        assert value(scrape(), count, **healthz) == started + 40
