"""Gold-rate import from a file and from an HTTP endpoint. The endpoint is
the only thing not ours: a local HTTP server plays the third-party feed."""
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.core.models import JobRun
from apps.inventory.models import GoldRate
from apps.inventory.rate_sources import FileRateSource, HttpRateSource, RateSourceError, gold_rate_import, rates_document_parse
from apps.inventory.selectors import gold_rate_current, gold_rate_for_fineness
from apps.inventory.tasks import gold_rate_import_task

DOCUMENT = {
    "effective_at": "2026-01-05T09:30:00+03:30",
    "rates": {
        "IRR": {"base_rate": "80000000", "base_fineness": 750, "fineness_rates": {"999": "106600000.5"}},
        "AED": {"base_rate": 310.25},
    },
}


class Feed:
    """A rates endpoint: serves `document` (or `status`), records requests."""

    def __init__(self):
        self.document, self.status, self.requests = DOCUMENT, 200, []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                feed.requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
                body = json.dumps(feed.document).encode() if feed.status == 200 else b"{}"
                self.send_response(feed.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/rates.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed():
    served = Feed()
    yield served
    served.close()


def test_the_http_source_puts_the_shops_currency_rate_on_the_board_once(in_shop_a, feed):
    source = HttpRateSource(url=feed.url, token="s3cret", timeout=5)

    run = gold_rate_import(source=source)
    assert run.ok and run.result["status"] == "imported"
    rate = GoldRate.objects.get(pk=run.result["gold_rate_id"])
    assert (rate.source, rate.base_rate, rate.base_fineness) == ("import", Decimal("80000000"), 750)
    assert rate.effective_at.isoformat() == "2026-01-05T06:00:00+00:00"
    assert gold_rate_for_fineness(gold_rate=rate, fineness=999) == Decimal("106600000.5")
    assert rate.set_by is None
    assert feed.requests == [{"path": "/rates.json", "authorization": "Bearer s3cret"}]

    again = gold_rate_import(source=source)  # the feed has not moved
    assert again.result["status"] == "unchanged"
    assert GoldRate.objects.filter(source="import").count() == 1


def test_a_newer_quote_is_imported_and_an_older_one_is_not(in_shop_a, feed):
    source = HttpRateSource(url=feed.url)
    gold_rate_import(source=source)
    feed.document = {"effective_at": "2026-01-05T12:00:00+03:30", "rates": {"IRR": {"base_rate": "81000000"}}}
    assert gold_rate_import(source=source).result["status"] == "imported"
    feed.document = {"effective_at": "2026-01-04T12:00:00+03:30", "rates": {"IRR": {"base_rate": "70000000"}}}
    assert gold_rate_import(source=source).result["status"] == "unchanged"
    assert sorted(GoldRate.objects.filter(source="import").values_list("base_rate", flat=True)) == [80000000, 81000000]


def test_a_feed_that_is_down_is_recorded_on_the_run_and_changes_nothing(in_shop_a, feed):
    feed.status = 503
    before = gold_rate_current()
    run = gold_rate_import(source=HttpRateSource(url=feed.url))
    assert not run.ok and run.result["status"] == "source_error" and "503" in run.result["error"]
    assert gold_rate_current() == before


def test_the_file_source_and_the_configured_source(in_shop_a, tmp_path, settings):
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"rates": {"IRR": "79000000"}}))
    settings.GOLD_RATE_IMPORT_SOURCE = "apps.inventory.rate_sources.FileRateSource"
    settings.GOLD_RATE_IMPORT_OPTIONS = {"path": str(path), "url": "", "timeout": 10, "token": ""}

    result = gold_rate_import_task()
    assert result["status"] == "imported" and result["base_rate"] == "79000000.000000"
    assert gold_rate_current().base_rate == Decimal("79000000")

    path.unlink()
    assert gold_rate_import_task()["status"] == "source_error"
    settings.GOLD_RATE_IMPORT_SOURCE = ""
    assert gold_rate_import_task()["status"] == "not_configured"
    assert JobRun.objects.filter(job="gold_rate_import").count() == 3


def test_a_shop_whose_currency_the_feed_lacks_gets_no_rate(in_shop_a, tmp_path):
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"rates": {"INR": "6500"}}))
    run = gold_rate_import(source=FileRateSource(path=str(path)))
    assert run.result == {"status": "no_rate", "currency": "IRR"}


@pytest.mark.parametrize("raw, message", [
    ("not json", "not JSON"),
    ('{"rates": []}', '"rates" object'),
    ('{"rates": {"IRR": {"base_rate": "-5"}}}', "positive"),
    ('{"rates": {"IRR": {"base_rate": true}}}', "number"),
    ('{"rates": {"IRR": {"base_rate": "1", "base_fineness": 1001}}}', "1 to 1000"),
    ('{"effective_at": "yesterday", "rates": {"IRR": "1"}}', "ISO 8601"),
    ('{"effective_at": "2026-01-01T10:00:00", "rates": {"IRR": "1"}}', "offset"),
])
def test_bad_documents_are_refused_with_a_reason(raw, message):
    with pytest.raises(RateSourceError, match=message):
        rates_document_parse(raw, currency="IRR")


def test_json_numbers_are_read_as_exact_decimals():
    quote = rates_document_parse('{"rates": {"AED": {"base_rate": 310.10}}}', currency="AED")
    assert quote.base_rate == Decimal("310.10") and isinstance(quote.base_rate, Decimal)
