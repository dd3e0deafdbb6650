"""
Gold-rate import from a pluggable source.

settings.GOLD_RATE_IMPORT_SOURCE names a class (dotted path) and
settings.GOLD_RATE_IMPORT_OPTIONS its keyword options. A source returns, for
a shop's currency, a RateQuote; `gold_rate_import` puts it on the shop's
board through `gold_rate_set` (source "import"), once per quote.

Both sources here read the same JSON document; numbers may be JSON numbers or
strings, and are read as Decimal (never float):

    {"effective_at": "2025-06-01T09:30:00+03:30",
     "rates": {"IRR": {"base_rate": "80000000", "base_fineness": 750,
                       "fineness_rates": {"999": "106560000"}},
               "AED": {"base_rate": "310.50"}}}

A source that cannot answer raises RateSourceError; the import records the
failure on the run (JobRun) and the next round tries again: a feed being down
is not a task failure to retry and dead-letter.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from apps.core.errors import ApplicationError
from apps.core.jobs import job_run_record
from apps.core.models import JobRun
from apps.inventory.models import GoldRate

SOURCE = "import"


class RateSourceError(Exception):
    """The source could not give a usable rate (unreachable, bad document)."""


@dataclass(frozen=True)
class RateQuote:
    base_rate: Decimal
    base_fineness: int = 750
    effective_at: datetime | None = None
    fineness_rates: dict[int, Decimal] = field(default_factory=dict)


def _decimal(value, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise RateSourceError(f"{where} must be a number or a decimal string.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RateSourceError(f"{where} is not a number: {value!r}.") from exc
    if not number.is_finite() or number <= 0:
        raise RateSourceError(f"{where} must be positive.")
    return number


def _fineness(value, where: str) -> int:
    try:
        number = int(str(value))
    except ValueError as exc:
        raise RateSourceError(f"{where} is not a whole number: {value!r}.") from exc
    if not 1 <= number <= 1000:
        raise RateSourceError(f"{where} must be from 1 to 1000.")
    return number


def rates_document_parse(raw: bytes | str, *, currency: str) -> RateQuote | None:
    """The quote for `currency` in a rates document; None if it has none."""
    try:
        document = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise RateSourceError(f"The rates document is not JSON: {exc}.") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rates"), dict):
        raise RateSourceError('The rates document needs a "rates" object by currency.')
    entry = document["rates"].get(currency)
    if entry is None:
        return None
    if not isinstance(entry, dict):
        entry = {"base_rate": entry}
    effective_raw = entry.get("effective_at", document.get("effective_at"))
    effective_at = None
    if effective_raw is not None:
        effective_at = parse_datetime(str(effective_raw))
        if effective_at is None or timezone.is_naive(effective_at):
            raise RateSourceError(f"effective_at must be an ISO 8601 time with its offset, not {effective_raw!r}.")
    fineness_rates = entry.get("fineness_rates") or {}
    if not isinstance(fineness_rates, dict):
        raise RateSourceError("fineness_rates must map a fineness to a rate.")
    return RateQuote(
        base_rate=_decimal(entry.get("base_rate"), f"{currency} base_rate"),
        base_fineness=_fineness(entry.get("base_fineness", 750), f"{currency} base_fineness"),
        effective_at=effective_at,
        fineness_rates={_fineness(k, "A fineness"): _decimal(v, f"{currency} rate for {k}") for k, v in fineness_rates.items()},
    )


class RateSource:
    """Base class: `fetch(currency=...)` returns a RateQuote or None."""

    def __init__(self, **options):
        self.options = options

    def fetch(self, *, currency: str) -> RateQuote | None:  # pragma: no cover - abstract
        raise NotImplementedError


class FileRateSource(RateSource):
    """A rates document on disk (options: path), e.g. dropped by a cron job."""

    def fetch(self, *, currency: str) -> RateQuote | None:
        path = self.options.get("path")
        if not path:
            raise RateSourceError("FileRateSource needs a path (GOLD_RATE_IMPORT_PATH).")
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise RateSourceError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        return rates_document_parse(raw, currency=currency)


class HttpRateSource(RateSource):
    """A rates document from an HTTP endpoint (options: url, timeout, token
    sent as a Bearer token if set)."""

    def fetch(self, *, currency: str) -> RateQuote | None:
        url = self.options.get("url")
        if not url:
            raise RateSourceError("HttpRateSource needs a url (GOLD_RATE_IMPORT_URL).")
        headers = {"Accept": "application/json"}
        if self.options.get("token"):
            headers["Authorization"] = f"Bearer {self.options['token']}"
        try:
            response = httpx.get(url, headers=headers, timeout=float(self.options.get("timeout") or 10), follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RateSourceError(f"{url}: {exc}") from exc
        return rates_document_parse(response.content, currency=currency)


def rate_source_configured() -> RateSource | None:
    """The source the settings name, or None when import is off."""
    path = settings.GOLD_RATE_IMPORT_SOURCE
    if not path:
        return None
    options = {key: value for key, value in settings.GOLD_RATE_IMPORT_OPTIONS.items() if value not in ("", None)}
    return import_string(path)(**options)


def gold_rate_import(*, source: RateSource | None = None) -> JobRun:
    """Fetches the current shop's rate and puts it on the board, unless the
    board already has that imported quote. Returns the recorded run."""
    from apps.inventory.services import gold_rate_set

    started = timezone.now()
    source = source or rate_source_configured()
    if source is None:
        return job_run_record(job=JobRun.Job.GOLD_RATE_IMPORT, started_at=started, ok=False, result={"status": "not_configured"})
    currency = connection.tenant.currency
    try:
        quote = source.fetch(currency=currency)
    except RateSourceError as exc:
        return job_run_record(job=JobRun.Job.GOLD_RATE_IMPORT, started_at=started, ok=False,
                              result={"status": "source_error", "error": str(exc)[:1000], "source": type(source).__name__})
    if quote is None:
        return job_run_record(job=JobRun.Job.GOLD_RATE_IMPORT, started_at=started, ok=False,
                              result={"status": "no_rate", "currency": currency})

    latest = GoldRate.objects.filter(source=SOURCE).order_by("-effective_at", "-created_at").first()
    same = latest is not None and latest.base_rate == quote.base_rate and latest.base_fineness == quote.base_fineness
    if quote.effective_at is not None:
        if GoldRate.objects.filter(source=SOURCE, effective_at=quote.effective_at).exists() or (
            latest is not None and quote.effective_at < latest.effective_at
        ):
            same = True  # this quote (or a newer one) is on the board already
    if same:
        return job_run_record(job=JobRun.Job.GOLD_RATE_IMPORT, started_at=started,
                              result={"status": "unchanged", "gold_rate_id": str(latest.pk) if latest else None})
    try:
        rate = gold_rate_set(
            actor=None, base_rate=quote.base_rate, base_fineness=quote.base_fineness,
            explicit_rates=quote.fineness_rates or None, effective_at=quote.effective_at, source=SOURCE,
        )
    except ApplicationError as exc:
        return job_run_record(job=JobRun.Job.GOLD_RATE_IMPORT, started_at=started, ok=False,
                              result={"status": "refused", "error": f"{exc.code}: {exc.message}"})
    return job_run_record(
        job=JobRun.Job.GOLD_RATE_IMPORT, started_at=started,
        result={"status": "imported", "gold_rate_id": str(rate.pk), "base_rate": str(rate.base_rate),
                "base_fineness": rate.base_fineness, "effective_at": rate.effective_at.isoformat()},
    )
