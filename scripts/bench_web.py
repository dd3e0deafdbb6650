"""
CPU per staff request (`make bench-web`), a benchmark, not a test.

Two bench shops:

- small: bench-web.localhost, 550 items, 200 customers, 100 sales;
- large: bench-ui.localhost (the shop of `make bench-ui`), 10,000 items,
  5,000 customers, over a million sales over two years and three branches.

Each is served by gunicorn with production settings (4 sync workers). Every
request type of scripts/bench_web_plan.py (each staff page, the counter's
htmx actions, the REST API's lists and details, a one-item sale through the
API) is asked for --rounds times, one request at a time, by a logged-in
owner (the API with a bearer token): the median latency and the median CPU
the gunicorn workers spent on it (their threads' scheduler runtime, from
/proc), and the same for their PostgreSQL backends. Then Locust runs
--users users on the same mix, without pauses (each user sends its next
request when the last is answered), for throughput and p95. Logins happen
before the measured window.

Targets (docs/performance.md): under 10 ms of worker CPU per request type on
the small shop (the API sale 15 ms), twice that on the large one; p95 under
300 ms for pages and 150 ms for API calls at 50 users. Exits 1 when one is
missed. Writes bench-results/web.json (and a dated copy) and prints the
table for docs/performance.md.

    .venv/bin/python scripts/bench_web.py                      # both shops
    .venv/bin/python scripts/bench_web.py --sizes small --run-time 60s
    .venv/bin/python scripts/bench_web.py --compare /tmp/before --load-runs 2   # A/B against another checkout, interleaved
"""
import argparse
import json
import os
import secrets
import signal
import statistics
import sys
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from bench_dashboard import history_prepare, machine, shop_prepare  # noqa: E402
from bench_sync import gunicorn_start, schema_vacuum  # noqa: E402
from bench_ui import catalogue, extras_prepare  # noqa: E402
from bench_ui_run import APPLICATION_NAME, Meter, locust_run, login, spent  # noqa: E402
from bench_web_plan import Answers, api_headers, kind_of, plan  # noqa: E402

SIZES = {
    "small": {"domain": "bench-web.localhost", "branches": 1, "items": 550, "customers": 200, "sales": 100,
              "days": 30, "aggregate_days": None},
    "large": {"domain": "bench-ui.localhost", "branches": 3, "items": 10_000, "customers": 5_000, "sales": 1_100_000,
              "days": 730, "aggregate_days": 40},
}
CPU_MS = {"small": 10.0, "large": 20.0}  # worker CPU per request type, median
API_SALE_CPU_MS = {"small": 15.0, "large": 30.0}
P95_MS = {"page": 300, "htmx": 300, "pdf": None, "api": 150}


def log(message: str) -> None:
    print(f"[bench-web] {message}", flush=True)


def prepare(size: str, *, users: int, password: str):
    spec = SIZES[size]
    shop, _email, manager_id = shop_prepare(domain=spec["domain"], branches=spec["branches"], items=spec["items"],
                                            customers=spec["customers"], password=password, name=f"Web Bench ({size})")
    facts = history_prepare(shop, sales=spec["sales"], days=spec["days"], cashier_id=manager_id,
                            aggregate_days=spec["aggregate_days"])
    emails = extras_prepare(shop, users=users, password=password)
    schema_vacuum(shop.schema_name)
    picks = catalogue(shop)
    facts.update(items_in_shop=picks.pop("items_in_shop"), customers_in_shop=picks.pop("customers_in_shop"))
    picks["sale_pages"] = max(2, facts["sales_in_shop"] // 50)
    picks["item_pages"] = max(2, min(20, facts["items_in_shop"] // 100))
    return shop, facts, emails, picks


def api_token(client: httpx.Client, email: str, password: str) -> str:
    answer = client.post("/api/v1/auth/token/", json={"email": email, "password": password})
    if answer.status_code != 200:
        raise SystemExit(f"no API token for {email}: {answer.status_code} {answer.text[:200]}")
    return answer.json()["access"]


class Staff:
    """One logged-in owner over httpx: the browser's session and the API's token."""

    def __init__(self, port: int, domain: str, cookies: dict, token: str):
        self.domain, self.csrf, self.token = domain, cookies["csrftoken"], token
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, trust_env=False,
                                   headers={"Host": domain, "X-Forwarded-Proto": "https"})
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.answers = Answers()

    def call(self, name: str, method: str, url: str, data) -> httpx.Response:
        if callable(data):
            data = data(self.answers)
        kind = kind_of(name)
        if kind == "api":
            response = self.client.request(method, url, headers=api_headers(self.token),
                                           **({} if data is None else {"json": data}))
        else:
            headers = {"Cookie": self.cookie}
            if kind == "htmx":
                headers.update({"HX-Request": "true", "X-CSRFToken": self.csrf, "Referer": f"https://{self.domain}/pos/"})
            response = self.client.request(method, url, data=data, headers=headers)
        self.answers.keep(name, response)
        return response


def cpu_pass(servers: list[dict], picks: dict, rounds: int) -> list[dict]:
    """Every request type `rounds` times, one request at a time; with two
    servers (an A/B), each request type goes to both in turn, the first
    one first in even rounds and second in odd ones, so that both meet the
    machine as it is at that moment."""
    found = [{} for _ in servers]
    for n in range(rounds):
        for step in plan(picks, []):
            order = list(range(len(servers))) if n % 2 == 0 else list(reversed(range(len(servers))))
            for i in order:
                staff, meter = servers[i]["staff"], servers[i]["meter"]
                before_w, before_b = meter.read()
                started = time.perf_counter()
                response = staff.call(*step)
                elapsed = time.perf_counter() - started
                after_w, after_b = meter.read()
                entry = found[i].setdefault(step[0], {"wall": [], "worker": [], "db": [], "errors": 0, "status": set()})
                entry["wall"].append(elapsed)
                entry["worker"].append(spent(before_w, after_w))
                entry["db"].append(spent(before_b, after_b))
                entry["status"].add(response.status_code)
                if response.status_code not in (200, 201, 204):
                    entry["errors"] += 1
    ms = lambda values: round(statistics.median(values) * 1000, 1)  # noqa: E731
    return [{name: {"alone_p50_ms": ms(e["wall"]), "worker_cpu_ms": ms(e["worker"]), "db_cpu_ms": ms(e["db"]),
                    "worker_cpu_mean_ms": round(statistics.fmean(e["worker"]) * 1000, 1), "errors": e["errors"],
                    "status": sorted(e["status"])}
             for name, e in by_name.items()} for by_name in found]


def serve(args, code: str, port: int, label: str, secret: str):
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zargar")
    application_name = f"{APPLICATION_NAME}-{label}"
    server_env = {"DATABASE_URL": url + ("&" if "?" in url else "?") + f"application_name={application_name}",
                  "THROTTLE_AUTH": "1000000/min", "THROTTLE_ANON": "1000000/min", "SECRET_KEY": secret}
    server = gunicorn_start(port, args.workers, code=Path(code), extra_env=server_env)
    return {"label": label, "code": code, "port": port, "process": server, "meter": Meter(server.pid, application_name)}


def load_run(args, size: str, server: dict, setup: dict, base: Path) -> dict:
    """Locust on one server: --users users without pauses for --run-time."""
    setup_path = base.with_name(f"{base.name}-{server['label']}-setup.json")
    setup_path.touch(mode=0o600)
    setup_path.write_text(json.dumps(setup))
    stats_path = base.with_name(f"{base.name}-{server['label']}-stats.json")
    os.environ.update(PERF_WAIT_MIN=str(args.wait), PERF_WAIT_MAX=str(args.wait))
    workers_before, backends_before = server["meter"].read()
    log(f"{size}/{server['label']}: locust, {args.users} users without pauses, {args.run_time}")
    try:
        status, locust_cpu, seconds = locust_run(args, server["port"], setup_path, stats_path, base)
    finally:
        setup_path.unlink()
    workers_after, backends_after = server["meter"].read()
    stats = json.loads(stats_path.read_text())
    total = stats["total"]
    return {"stats": stats, "load": {
        "users": args.users, "wait_s": args.wait, "run_time": args.run_time, "seconds": round(seconds, 1),
        "locust_exit_status": status, "requests": total["requests"], "failures": total["failures"],
        "requests_per_second": total["requests_per_second"], "p50_ms": total["p50_ms"], "p95_ms": total["p95_ms"],
        "worker_cpu_ms_per_request": round(spent(workers_before, workers_after) / max(total["requests"], 1) * 1000, 1),
        "db_cpu_ms_per_request": round(spent(backends_before, backends_after) / max(total["requests"], 1) * 1000, 1),
        "locust_cpu_cores": round(locust_cpu / max(seconds, 1), 2)}}


def measure(args, size: str, *, facts: dict, emails: list[str], picks: dict, password: str, out: Path, stamp: str) -> list[dict]:
    """One result per checkout served: this one (A) and, with --compare, the
    other (B), measured interleaved."""
    domain = SIZES[size]["domain"]
    codes = [("A", args.code)] + ([("B", args.compare)] if args.compare else [])
    secret = secrets.token_urlsafe(50)  # both servers read the same sessions and tokens
    servers = [serve(args, code, args.port + i, label, secret) for i, (label, code) in enumerate(codes)]
    base = out / f"web-{size}-{stamp}"
    try:
        log(f"{size}: gunicorn ({args.workers} workers) for {', '.join(server['label'] + ' ' + server['code'] for server in servers)}; "
            f"logging in {len(emails)} users (not measured)")
        for server in servers:  # logged in on each: a session names the login backend, which the checkouts may not share
            with httpx.Client(base_url=f"http://127.0.0.1:{server['port']}", timeout=60, trust_env=False,
                              headers={"Host": domain, "X-Forwarded-Proto": "https"}) as client:
                server["sessions"] = [{**login(client, domain=domain, email=email, password=password),
                                       "token": api_token(client, email, password)} for email in emails]
                # one more session, the CPU pass's own: the counter's cart lives in the session
                server["staff"] = Staff(server["port"], domain, login(client, domain=domain, email=emails[0], password=password),
                                        server["sessions"][0]["token"])
        log(f"{size}: warming up (each request type twice)")
        cpu_pass(servers, picks, rounds=2)
        log(f"{size}: CPU per request, every request type {args.rounds} times, one at a time")
        alone = cpu_pass(servers, picks, rounds=args.rounds)
        loads: list[list[dict]] = [[] for _ in servers]
        for n in range(args.load_runs):
            for i in (range(len(servers)) if n % 2 == 0 else reversed(range(len(servers)))):
                setup = {"shop_host": domain, "sessions": servers[i]["sessions"], "picks": picks, "nav": [], "api": True}
                loads[i].append(load_run(args, size, servers[i], setup, base))
        for server in servers:
            server["staff"].client.close()
    finally:
        for server in servers:
            os.killpg(server["process"].pid, signal.SIGTERM)
            server["process"].wait(30)
    return [result(size, server, facts, alone[i], loads[i]) for i, server in enumerate(servers)]


def result(size: str, server: dict, facts: dict, alone: dict, loads: list[dict]) -> dict:
    best = max(loads, key=lambda run: run["load"]["requests_per_second"])  # the runs are listed too
    loaded = {e["name"]: e for e in best["stats"]["endpoints"] if e["name"] != "Aggregated"}
    rows = []
    for name, cpu in alone.items():
        kind = kind_of(name)
        target = API_SALE_CPU_MS[size] if name.startswith("api POST /api/v1/sales/ ") else CPU_MS[size]
        under_load = loaded.get(name, {})
        p95_target = P95_MS.get(kind)
        rows.append({"name": name, "kind": kind, **cpu, "cpu_target_ms": target, "cpu_met": cpu["worker_cpu_ms"] < target,
                     "requests": under_load.get("requests", 0), "failures": under_load.get("failures", 0),
                     "p50_ms": under_load.get("p50_ms"), "p95_ms": under_load.get("p95_ms"), "p95_target_ms": p95_target,
                     "p95_met": None if p95_target is None or under_load.get("p95_ms") is None else under_load["p95_ms"] < p95_target})
    return {
        "size": size, "label": server["label"], "code": server["code"], "shop": facts,
        "load": best["load"], "load_runs": [run["load"] for run in loads],
        "requests": rows, "failures": best["stats"]["failures"][:20],
        "missed": [r["name"] for r in rows if r["cpu_met"] is False or r["p95_met"] is False],
        "errors": [r["name"] for r in rows if r["errors"] or r["failures"]],
    }


def markdown(result: dict) -> str:
    """Per shop size: the load runs, then per request type the workers' and
    PostgreSQL's CPU (median) for each checkout measured (A, and B with --compare)."""
    lines = []
    for size in dict.fromkeys(run["size"] for run in result["runs"]):
        runs = [run for run in result["runs"] if run["size"] == size]
        shop = runs[0]["shop"]
        lines += [f"**{size}** shop ({shop['items_in_shop']:,} items, {shop['customers_in_shop']:,} customers, "
                  f"{shop['sales_in_shop']:,} sales)", ""]
        for run in runs:
            for load in run["load_runs"]:
                lines.append(f"- {run['label']} ({run['code']}): {load['requests_per_second']} requests/s at {load['users']} users "
                             f"({load['requests']:,} requests, {load['failures']} failures, p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms; "
                             f"worker CPU {load['worker_cpu_ms_per_request']} ms and PostgreSQL {load['db_cpu_ms_per_request']} ms a request)")
        labels = [run["label"] for run in runs]
        lines += ["", "| request | " + " | ".join(f"worker CPU ms {label}" for label in labels) + " | target | "
                  + " | ".join(f"PostgreSQL CPU ms {label}" for label in labels) + f" | p95 ms at load {labels[0]} | target |",
                  "|---" * (3 + 2 * len(labels)) + "|"]
        by_label = [{r["name"]: r for r in run["requests"]} for run in runs]
        for name, r in by_label[0].items():
            cpu = " | ".join(str(rows.get(name, {}).get("worker_cpu_ms", "")) for rows in by_label)
            db = " | ".join(str(rows.get(name, {}).get("db_cpu_ms", "")) for rows in by_label)
            p95 = "" if r["p95_target_ms"] is None else f"{'✓' if r['p95_met'] else '✗'} < {r['p95_target_ms']}"
            lines.append(f"| {name} | {cpu} | {'✓' if r['cpu_met'] else '✗'} < {r['cpu_target_ms']:g} | {db} | {r['p95_ms']} | {p95} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--rounds", type=int, default=20, help="requests of each type, one at a time")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds each Locust user waits between requests")
    parser.add_argument("--run-time", default="120s")
    parser.add_argument("--port", type=int, default=8640)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--code", default=str(ROOT), help="the checkout measured (A)")
    parser.add_argument("--compare", default="", help="another checkout (B), measured interleaved with A")
    parser.add_argument("--load-runs", type=int, default=1, help="Locust runs per checkout (A and B alternate)")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    result = {"benchmark": "web", "at": datetime.now(dt_timezone.utc).isoformat(), "code": args.code, "machine": machine(),
              "server": {"gunicorn_workers": args.workers, "worker_class": "sync", "settings": "config.settings.production"},
              "runs": []}
    for size in args.sizes.split(","):
        password = secrets.token_urlsafe(16)
        started = time.monotonic()
        _shop, facts, emails, picks = prepare(size, users=args.users, password=password)
        log(f"{size}: the shop is ready in {time.monotonic() - started:.0f} s ({facts['sales_in_shop']:,} sales)")
        if not args.prepare_only:
            result["runs"] += measure(args, size, facts=facts, emails=emails, picks=picks, password=password, out=out, stamp=stamp)
    if args.prepare_only:
        return 0
    text = json.dumps(result, indent=2)
    (out / "web.json").write_text(text)
    (out / f"web-{stamp}.json").write_text(text)
    print(markdown(result))
    log(f"written to {out / 'web.json'}")
    missed = [name for run in result["runs"] if run["label"] == "A" for name in run["missed"] + run["errors"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
