"""What the locustfile reads before a run (the prepared setup) and writes
after it (what its terminals did). Plain Python: no Django, no Locust."""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


@dataclass
class SetupData:
    shop_host: str
    staff: dict
    enrollment_codes: list[str]
    sell_skus: list[str]
    _next: int = 0

    @classmethod
    def load(cls, path: str) -> SetupData:
        if not path or not Path(path).is_file():
            raise SystemExit(
                "PERF_SETUP must name the JSON of `python -m tests.performance.prepare prepare` "
                "(scripts/run_performance_tests.sh does this)."
            )
        data = json.loads(Path(path).read_text())
        host = data["shop_host"]
        if not host.endswith(".localhost"):
            raise SystemExit(f"refusing shop host {host!r}: the suite only targets local *.localhost shops")
        return cls(shop_host=host, staff=data["staff"], enrollment_codes=list(data["enrollment_codes"]),
                   sell_skus=list(data["sell_skus"]))

    def next_enrollment_code(self) -> str | None:
        """Each code once (Locust users run as greenlets of one thread)."""
        if self._next >= len(self.enrollment_codes):
            return None
        self._next += 1
        return self.enrollment_codes[self._next - 1]


@dataclass
class TerminalReport:
    """Counts from the terminals' own stores: the database check after the
    run compares them with what the server committed."""

    pushes: int = 0
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0
    conflicts: dict = field(default_factory=dict)
    rejection_samples: list = field(default_factory=list)
    users_without_code: int = 0
    enrolment_failures: int = 0
    devices: dict = field(default_factory=dict)
    _dir: Path | None = None

    def store_dir(self) -> Path:
        """Terminal stores on tmpfs when there is one: the run measures the server."""
        if self._dir is None:
            shm = Path("/dev/shm")
            self._dir = Path(tempfile.mkdtemp(prefix="locust-pos-", dir=shm if shm.is_dir() else None))
        return self._dir

    def pushed(self, summary) -> None:
        self.pushes += 1
        self.applied += summary.applied
        self.duplicate += summary.duplicate
        self.rejected += summary.rejected
        self.retry += summary.retry
        for conflict in summary.conflicts:
            kind = conflict.get("kind", "?")
            self.conflicts[kind] = self.conflicts.get(kind, 0) + 1
        if len(self.rejection_samples) < 5:
            self.rejection_samples += summary.rejections[: 5 - len(self.rejection_samples)]

    def device_done(self, terminal, *, sales_recorded: int) -> None:
        ops = terminal.store.operations()
        states = {}
        for op in ops:
            states[op.state] = states.get(op.state, 0) + 1
        settled = [op.seq for op in ops if op.state != "pending"]
        self.devices[str(terminal.store.device().device_id)] = {
            "sales_recorded": sales_recorded,
            "applied": states.get("applied", 0),
            "duplicate": states.get("duplicate", 0),
            "rejected": states.get("rejected", 0),
            "pending": states.get("pending", 0),
            "settled_seq": max(settled, default=0),
        }

    def as_dict(self) -> dict:
        return {
            "written_at": datetime.now(timezone.utc).isoformat(),
            "pushes": self.pushes,
            "operations": {"applied": self.applied, "duplicate": self.duplicate, "rejected": self.rejected, "retry": self.retry},
            "conflicts": self.conflicts,
            "rejection_samples": self.rejection_samples,
            "users_without_code": self.users_without_code,
            "enrolment_failures": self.enrolment_failures,
            "devices": self.devices,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, default=str))

    def cleanup(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def locust_stats_write(environment, path: Path) -> None:
    """Locust's final figures, per endpoint and in total, as JSON."""
    stats = environment.stats

    def entry(e) -> dict:
        empty = not e.num_requests
        return {
            "type": e.method or "", "name": e.name, "requests": e.num_requests, "failures": e.num_failures,
            "requests_per_second": round(e.total_rps, 2),
            **{f"p{p}_ms": None if empty else e.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
            "max_ms": None if empty else round(e.max_response_time, 1),
            "mean_ms": None if empty else round(e.avg_response_time, 1),
        }

    runner = environment.runner
    data = {
        "written_at": datetime.now(timezone.utc).isoformat(),
        "total": entry(stats.total),
        "endpoints": sorted((entry(e) for e in stats.entries.values()), key=lambda r: -r["requests"]),
        "failures": sorted(({"type": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                            for e in stats.errors.values()), key=lambda r: -r["occurrences"]),
        "exceptions": sorted(({"count": e["count"], "message": e["msg"]} for e in (runner.exceptions.values() if runner else [])),
                             key=lambda r: -r["count"]),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
