"""
The measuring half of `make bench-ui` (scripts/bench_ui.py prepares the
shop): gunicorn with production settings, every user logged in before the
measured window, Locust (tests/performance/staff_locustfile.py) with the
machine's load and the workers' CPU recorded, then a pass one request at a
time for CPU per request type. Writes bench-results/ui.json.
"""
import json
import os
import re
import signal
import subprocess
import threading
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

import httpx
from bench_dashboard import cookies_of, machine
from bench_sync import gunicorn_start, percentile
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PAGE_P95_MS = 300
HTMX_P95_MS = 100
APPLICATION_NAME = "zargar-bench-ui"
NAV = re.compile(r"<nav\b[^>]*>(.*?)</nav>", re.S)
HREF = re.compile(r'href="(/[^"#?]*)"')
AMOUNT = re.compile(r'name="amount"[^>]*value="([^"]*)"')
# The pages the locustfile asks for by name; other links of the navigation
# (pages added since) are handed to it to ask for by their path.
KNOWN_PATHS = {"/", "/pos/", "/sales/", "/inventory/", "/gold-rate/", "/customers/", "/reports/", "/review/",
               "/terminals/", "/settings/"}


def log(message: str) -> None:
    print(f"[bench-ui] {message}", flush=True)


def login(client: httpx.Client, *, domain: str, email: str, password: str) -> dict[str, str]:
    """A session from the login form (as a browser gets one): its cookies."""
    page = client.get("/accounts/login/")
    csrf = cookies_of(page)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = client.post("/accounts/login/", data={"username": email, "password": password, "csrfmiddlewaretoken": token},
                       headers={"Cookie": f"csrftoken={csrf}", "Referer": f"https://{domain}/accounts/login/"})
    cookies = cookies_of(done)
    if done.status_code != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login of {email} failed: {done.status_code}")
    return {"sessionid": cookies["sessionid"], "csrftoken": cookies.get("csrftoken", csrf)}


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the master's children."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                found.append(int(entry.name))
    return found


def backend_pids(application_name: str) -> list[int]:
    """The PostgreSQL backends serving the bench's workers (the server runs
    on this machine, so their /proc entries are readable)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return [row[0] for row in cursor.fetchall()]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of each of these processes so far: the scheduler's
    runtime of their threads (/proc/PID/task/TID/sched, to the microsecond),
    or where the kernel does not show it, /proc/PID/stat's clock ticks (10 ms
    apart: too coarse for one request)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            found[pid] = sum(_runtime(task) for task in Path(f"/proc/{pid}/task").iterdir())
        except (OSError, ValueError):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def _runtime(task: Path) -> float:
    for line in (task / "sched").read_text().splitlines():
        if line.startswith("se.sum_exec_runtime"):
            return float(line.split(":", 1)[1]) / 1000  # milliseconds in the file
    raise ValueError("no se.sum_exec_runtime")


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two readings by the processes in both (a backend
    that closed in between is lost; one that opened counts from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds while the run lasts."""

    def __init__(self, every: float = 5.0):
        super().__init__(daemon=True)
        self.every, self.samples, self.stopped = every, [], threading.Event()

    def run(self):
        while not self.stopped.wait(self.every):
            self.samples.append(round(os.getloadavg()[0], 2))

    def summary(self) -> dict:
        values = self.samples or [round(os.getloadavg()[0], 2)]
        return {"samples": len(values), "min": min(values), "mean": round(sum(values) / len(values), 2), "max": max(values)}


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def kind_of(name: str) -> str:
    return name.split(" ", 1)[0]


class Meter:
    """CPU of the gunicorn workers and of their PostgreSQL backends."""

    def __init__(self, master_pid: int, application_name: str = APPLICATION_NAME):
        self.master_pid, self.application_name = master_pid, application_name
        self.backends: set[int] = set()

    def pids(self) -> tuple[list[int], list[int]]:
        self.backends |= set(backend_pids(self.application_name))
        return worker_pids(self.master_pid), sorted(self.backends)

    def read(self) -> tuple[dict, dict]:
        workers, backends = self.pids()
        return cpu_seconds(workers), cpu_seconds(backends)


class Browser:
    """One logged-in session over httpx, for the warm-up and the CPU pass."""

    def __init__(self, port: int, domain: str, cookies: dict):
        self.domain, self.csrf = domain, cookies["csrftoken"]
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, trust_env=False,
                                   headers={"Host": domain, "X-Forwarded-Proto": "https",
                                            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        self.panel = ""

    def call(self, method: str, url: str, *, data=None, htmx: bool = False) -> httpx.Response:
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf, "Referer": f"https://{self.domain}/pos/"} if htmx else {}
        response = self.client.request(method, url, data=data, headers=headers)
        if htmx and 'id="pos"' in response.text:
            self.panel = response.text
        return response


def cpu_plan(picks: dict, extra_paths: list[str]):
    """One round of every request type, named as the locustfile names them
    (scripts/bench_web_plan.py: the pages and a sale at the counter):
    (name, method, url, form data or "amount", htmx)."""
    from bench_web_plan import counter, pages

    return [(name, method, url, "amount" if callable(data) else data, name.startswith("htmx"))
            for name, method, url, data in pages(picks, extra_paths) + counter(picks)]


def cpu_pass(browser: Browser, meter: Meter, picks: dict, extra_paths: list[str], rounds: int) -> dict:
    """Every request type `rounds` times, one request at a time: wall time
    and the CPU the workers and their backends spent on it."""
    found: dict[str, dict] = {}
    for _ in range(rounds):
        for name, method, url, data, htmx in cpu_plan(picks, extra_paths):
            if data == "amount":
                amount = AMOUNT.search(browser.panel)
                data = {"method": "cash", "amount": amount.group(1) if amount else "0"}
            before_w, before_b = meter.read()
            started = time.perf_counter()
            response = browser.call(method, url, data=data, htmx=htmx)
            elapsed = time.perf_counter() - started
            after_w, after_b = meter.read()
            entry = found.setdefault(name, {"wall": [], "worker": 0.0, "db": 0.0, "errors": 0})
            entry["wall"].append(elapsed)
            entry["worker"] += spent(before_w, after_w)
            entry["db"] += spent(before_b, after_b)
            if response.status_code not in (200, 204):
                entry["errors"] += 1
    return {name: {"alone_p50_ms": round(percentile(e["wall"], 50) * 1000, 1),
                   "worker_cpu_ms": round(e["worker"] / len(e["wall"]) * 1000, 1),
                   "db_cpu_ms": round(e["db"] / len(e["wall"]) * 1000, 1), "errors": e["errors"]}
            for name, e in found.items()}


def navigation(browser: Browser) -> list[str]:
    page = browser.call("GET", "/")
    nav = NAV.search(page.text)
    return sorted(set(HREF.findall(nav.group(1)))) if nav else []


def locust_run(args, port: int, setup_path: Path, stats_path: Path, base: Path) -> tuple[int, float, float]:
    env = {**os.environ, "PERF_UI_SETUP": str(setup_path), "PERF_STATS_OUT": str(stats_path)}
    command = [str(ROOT / ".venv/bin/locust"), "--headless", "-f", str(ROOT / "tests/performance/staff_locustfile.py"),
               "--host", f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", str(args.spawn_rate),
               "--run-time", args.run_time, "--stop-timeout", "15", "--only-summary", "--csv", str(base)]
    with open(f"{base}-locust.log", "w") as out:
        cpu_before = _children_cpu()
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        process.wait()
    return process.returncode, _children_cpu() - cpu_before, time.monotonic() - started


def measure(args, *, shop, facts: dict, picks: dict, emails: list[str], password: str) -> int:
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = out / f"ui-{stamp}"
    host = machine()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zargar")
    server_env = {"DATABASE_URL": url + ("&" if "?" in url else "?") + f"application_name={APPLICATION_NAME}",
                  "THROTTLE_AUTH": "1000000/min", "THROTTLE_ANON": "1000000/min"}
    server = gunicorn_start(args.port, args.workers, code=Path(args.code), extra_env=server_env)
    try:
        log(f"gunicorn on 127.0.0.1:{args.port} ({args.workers} workers, production settings); logging in {len(emails)} users")
        sessions = []
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=60, trust_env=False,
                          headers={"Host": args.domain, "X-Forwarded-Proto": "https"}) as client:
            for email in emails:
                sessions.append(login(client, domain=args.domain, email=email, password=password))
        # one more session, not Locust's, for the warm-up and the CPU pass
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=60, trust_env=False,
                          headers={"Host": args.domain, "X-Forwarded-Proto": "https"}) as client:
            browser = Browser(args.port, args.domain, login(client, domain=args.domain, email=emails[0], password=password))
        extra_paths = [p for p in navigation(browser) if p not in KNOWN_PATHS]
        log(f"links of the navigation beyond the known pages: {extra_paths or 'none'}")
        meter = Meter(server.pid)
        log("warming up (each request type twice, not measured)")
        cpu_pass(browser, meter, picks, extra_paths, rounds=2)

        setup_path = base.with_name(base.name + "-setup.json")
        setup_path.touch(mode=0o600)
        setup_path.write_text(json.dumps({"shop_host": args.domain, "sessions": sessions, "picks": picks,
                                          "nav": extra_paths}))
        stats_path = base.with_name(base.name + "-stats.json")
        sampler = LoadSampler()
        workers_before, backends_before = meter.read()
        machine_before = busy_jiffies()
        sampler.start()
        log(f"locust: {args.users} users, {args.spawn_rate}/s, {args.run_time}")
        status, locust_cpu, seconds = locust_run(args, args.port, setup_path, stats_path, base)
        sampler.stopped.set()
        workers_after, backends_after = meter.read()
        machine_after = busy_jiffies()
        setup_path.unlink()
        stats = json.loads(stats_path.read_text())

        log(f"CPU per request: every request type {args.cpu_requests} times, one at a time")
        alone = cpu_pass(browser, meter, picks, extra_paths, rounds=args.cpu_requests)
        browser.client.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    ticks = os.sysconf("SC_CLK_TCK")
    busy = (machine_after[0] - machine_before[0]) / ticks
    workers_cpu, backends_cpu = spent(workers_before, workers_after), spent(backends_before, backends_after)
    requests = stats["total"]["requests"]
    rows = []
    for entry in stats["endpoints"]:
        if entry["name"] == "Aggregated":
            continue
        kind = kind_of(entry["name"])
        target = HTMX_P95_MS if kind == "htmx" else PAGE_P95_MS if kind == "page" else None
        rows.append({"name": entry["name"], "kind": kind, "requests": entry["requests"], "failures": entry["failures"],
                     "p50_ms": entry["p50_ms"], "p95_ms": entry["p95_ms"], "p99_ms": entry["p99_ms"],
                     "max_ms": entry["max_ms"], "target_p95_ms": target,
                     "met": None if target is None or entry["p95_ms"] is None else entry["p95_ms"] < target,
                     **alone.get(entry["name"], {})})
    rows.sort(key=lambda r: (r["kind"] != "page", r["kind"] != "htmx", r["name"]))
    host.update(load_average_after=[round(x, 2) for x in os.getloadavg()], load_during_run=sampler.summary(),
                machine_cpu_busy_cores=round(busy / seconds, 2),
                bench_cpu_cores={"gunicorn_workers": round(workers_cpu / seconds, 2),
                                 "postgresql_backends": round(backends_cpu / seconds, 2),
                                 "locust": round(locust_cpu / seconds, 2)},
                other_processes_cpu_cores=round(max(0.0, busy - workers_cpu - backends_cpu - locust_cpu) / seconds, 2))
    result = {
        "benchmark": "ui", "at": datetime.now(dt_timezone.utc).isoformat(), "code": args.code,
        "server": {"gunicorn_workers": args.workers, "worker_class": "sync", "settings": "config.settings.production"},
        "load": {"users": args.users, "spawn_rate": args.spawn_rate, "run_time": args.run_time, "seconds": round(seconds, 1),
                 "wait_between_requests_s": [float(os.environ.get("PERF_WAIT_MIN", "1")), float(os.environ.get("PERF_WAIT_MAX", "3"))],
                 "locust_exit_status": status},
        "machine": host, "shop": facts,
        "totals": {**{k: stats["total"][k] for k in ("requests", "failures", "requests_per_second", "p50_ms", "p95_ms", "p99_ms")},
                   "worker_cpu_ms_per_request": round(workers_cpu / max(requests, 1) * 1000, 1),
                   "db_cpu_ms_per_request": round(backends_cpu / max(requests, 1) * 1000, 1)},
        "requests": rows, "failures": stats["failures"][:20],
        "targets": {"page_p95_ms": PAGE_P95_MS, "htmx_p95_ms": HTMX_P95_MS},
        "missed": [r["name"] for r in rows if r["met"] is False],
        "failed": [r["name"] for r in rows if r["failures"]],
    }
    text = json.dumps(result, indent=2)
    (out / "ui.json").write_text(text)
    base.with_name(base.name + ".json").write_text(text)
    print(text)
    print(markdown(result))
    log(f"written to {out / 'ui.json'} and {base}.json")
    return 0 if not result["missed"] and not result["failed"] else 1


def _children_cpu() -> float:
    """CPU of the finished children of this process (Locust)."""
    usage = os.times()
    return usage.children_user + usage.children_system


def markdown(result: dict) -> str:
    """The table for docs/performance.md."""
    lines = ["| request | n | p50 / p95 / p99 ms | target | alone p50 ms | worker CPU ms | PostgreSQL CPU ms |",
             "|---|---|---|---|---|---|---|"]
    for r in result["requests"]:
        target = f"{'✓' if r['met'] else '✗'} < {r['target_p95_ms']}" if r["target_p95_ms"] else ""
        lines.append(f"| {r['name']} | {r['requests']} | {r['p50_ms']} / {r['p95_ms']} / {r['p99_ms']} | {target} | "
                     f"{r.get('alone_p50_ms', '')} | {r.get('worker_cpu_ms', '')} | {r.get('db_cpu_ms', '')} |")
    return "\n".join(lines)

