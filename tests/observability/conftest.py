"""Reading /metrics as Prometheus does: over HTTP with the bearer token, on a
host no ALLOWED_HOSTS lists (a pod's IP), parsed with prometheus_client."""
import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-test-token-0123456789abcdef0123"
POD_HOST = "10.42.0.17:8000"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client | None = None) -> dict:
    """{(name, frozenset(labels.items())): value} of every sample /metrics serves."""
    response = (client or Client(HTTP_HOST=POD_HOST)).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    return samples(response.content.decode())


def samples(text: str) -> dict:
    return {(s.name, frozenset(s.labels.items())): s.value for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)
