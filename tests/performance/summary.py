"""
Summary of one Locust run: printed as a table and written as JSON. Reads
the final figures the locustfile wrote (PERF_STATS_OUT) and, when given, what
the terminals reported and the database check. Exit status 1 when the
failure ratio is above the threshold, when nothing was measured, when a POS
operation was rejected, or when the database check failed.

    .venv/bin/python -m tests.performance.summary --stats bench-results/locust-X-stats.json --out bench-results/locust-X.json
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path


def seconds(run_time: str | None) -> float | None:
    """Locust's --run-time ("90", "60s", "2m", "1h30m") in seconds."""
    if not run_time:
        return None
    total, number = 0.0, ""
    for char in str(run_time).strip():
        if char.isdigit() or char == ".":
            number += char
        elif char in "hms" and number:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
        else:
            return None
    return total + (float(number) if number else 0) or None


def read_json(path: str | None) -> dict | None:
    if path and Path(path).is_file():
        return json.loads(Path(path).read_text())
    return None


def _cell(value: float | None) -> str:
    return f"{value:>8.0f}" if value is not None else f"{'-':>8}"


def print_table(rows: list[dict], total: dict) -> None:
    header = f"{'type':6} {'name':40} {'reqs':>7} {'fail':>5} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("-" * len(header))
    for row in rows + [{**total, "name": "Aggregated"}]:
        print(f"{row['type'][:6]:6} {row['name'][:40]:40} {row['requests']:>7} {row['failures']:>5} "
              f"{row['requests_per_second'] or 0:>7.2f} {_cell(row['p50_ms'])} {_cell(row['p95_ms'])} {_cell(row['p99_ms'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stats", required=True, help="JSON the locustfile wrote at the end (PERF_STATS_OUT)")
    parser.add_argument("--out", required=True, help="JSON summary to write")
    parser.add_argument("--max-failure-ratio", type=float, default=0.01)
    parser.add_argument("--terminals", help="JSON of the terminals (PERF_TERMINALS_OUT)")
    parser.add_argument("--check", help="JSON of `prepare check`")
    parser.add_argument("--run", help="JSON of the run's parameters (users, spawn rate, server)")
    args = parser.parse_args()

    stats = read_json(args.stats)
    if stats is None:
        print(f"[perf-summary] no {args.stats}: Locust did not finish", file=sys.stderr)
        return 1
    total, rows = stats["total"], stats["endpoints"]
    if not total["requests"]:
        print("[perf-summary] no request was measured", file=sys.stderr)
        return 1
    failure_ratio = total["failures"] / total["requests"]
    terminals, check, run = read_json(args.terminals), read_json(args.check), read_json(args.run)
    duration = seconds((run or {}).get("run_time"))
    sales_per_second = None
    if terminals is not None and duration:
        sales_per_second = round(terminals["operations"]["applied"] / duration, 1)

    problems = []
    if failure_ratio > args.max_failure_ratio:
        problems.append(f"failure ratio {failure_ratio:.2%} is above {args.max_failure_ratio:.2%}")
    if check is not None and not check.get("ok"):
        problems.append("database check failed")
    if terminals is not None and terminals["operations"]["rejected"]:
        problems.append(f"{terminals['operations']['rejected']} POS operations were rejected")
    if terminals is not None and (terminals["users_without_code"] or terminals["enrolment_failures"]):
        problems.append(f"{terminals['users_without_code']} terminal users had no enrolment code, "
                        f"{terminals['enrolment_failures']} failed to enrol")

    summary = {
        "benchmark": "locust",
        "at": datetime.now(timezone.utc).isoformat(),
        "run": run,
        "requests": total["requests"],
        "failures": total["failures"],
        "failure_ratio": round(failure_ratio, 5),
        "requests_per_second": total["requests_per_second"],
        "latency_ms": {k: total[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")},
        "pos_sales_applied_per_second": sales_per_second,
        "endpoints": rows,
        "failure_samples": stats["failures"][:10],
        "exceptions": stats["exceptions"][:10],
        "terminals": None if terminals is None else {k: v for k, v in terminals.items() if k != "devices"}
        | {"devices": len(terminals["devices"])},
        "database_check": check,
        "ok": not problems,
        "problems": problems,
    }
    Path(args.out).write_text(json.dumps(summary, indent=2))

    print()
    print_table(rows, total)
    print()
    print(f"requests/s {total['requests_per_second']:.1f}   failures {total['failures']} of {total['requests']} "
          f"({failure_ratio:.2%})   p50 {total['p50_ms']} ms   p95 {total['p95_ms']} ms   p99 {total['p99_ms']} ms")
    if terminals is not None:
        ops = terminals["operations"]
        print(f"POS: {len(terminals['devices'])} terminals, {terminals['pushes']} pushes, sales applied {ops['applied']}"
              + (f" ({sales_per_second}/s)" if sales_per_second is not None else "")
              + f", duplicate {ops['duplicate']}, rejected {ops['rejected']}, retry {ops['retry']}, "
              f"conflicts {terminals['conflicts'] or 'none'}")
    if check is not None:
        print(f"database check: {'ok' if check['ok'] else 'FAILED'} "
              f"({check['sales_in_database']} sales in the database, {check['sales_acknowledged']} acknowledged, "
              f"{check['sales_recorded_by_terminals']} recorded offline)")
    for failure in stats["failures"][:5]:
        print(f"failure: {failure['occurrences']} x {failure['type']} {failure['name']}: {failure['error'][:160]}")
    for exc in stats["exceptions"][:5]:
        print(f"exception: {exc['count']} x {exc['message'][:160]}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"summary written to {args.out}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
