"""
Where a staff request's CPU goes: every request type of the bench plan
(scripts/bench_web_plan.py), in this process with production settings
against a bench shop `make bench-web` prepared, timed with the process's CPU
clock and profiled with pyinstrument. Not a test; docs/performance.md
("Staff pages and API at a fifth of the CPU") has what it found.

    .venv/bin/python scripts/profile_web.py                        # the small bench shop, CPU per request type
    .venv/bin/python scripts/profile_web.py --only "api GET /api/v1/items/" --profile
    .venv/bin/python scripts/profile_web.py --domain bench-ui.localhost --profile --top 12

Prints, per request type, the median CPU of --rounds requests (Django's
side only: PostgreSQL's backend is another process) and the number of
queries; with --profile the functions that took most of it (by their own
time, and our own code's functions by time including what they call).
"""
import argparse
import os
import secrets
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
                  ALLOWED_HOSTS=".localhost,localhost,127.0.0.1", THROTTLE_USER="1000000/min", THROTTLE_AUTH="1000/min")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from bench_web_plan import Answers, api_headers, kind_of, plan  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PROFILER_EMAIL = "bench-profiler@{domain}"
# Our middleware wraps every request whole: left out of "our code", which
# names the functions a request type spends its time in.
WRAPPERS = ("middleware.py", "observability.py", "input_guard.py", "csp.py", "permissions.py")


class Session:
    """A logged-in member of staff (the shop's owner role: every page) with
    a browser session and an API token."""

    def __init__(self, shop, domain: str):
        from apps.accounts.models import Role, User
        from apps.accounts.services import user_create

        password = secrets.token_urlsafe(16)
        email = PROFILER_EMAIL.format(domain=domain)
        with shop:
            user = User.objects.filter(email=email).first()
            if user is None:
                user_create(email=email, password=password, role=Role.OWNER, full_name="Bench profiler")
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
        connection.set_schema_to_public()
        self.client = Client(enforce_csrf_checks=True, HTTP_HOST=domain, HTTP_X_FORWARDED_PROTO="https")
        self.domain = domain
        page = self.client.get("/accounts/login/")
        assert page.status_code == 200, page.status_code
        done = self.client.post("/accounts/login/", {"username": email, "password": password,
                                                     "csrfmiddlewaretoken": self.client.cookies["csrftoken"].value},
                                HTTP_REFERER=f"https://{domain}/accounts/login/")
        assert done.status_code == 302, done.status_code
        self.csrf = self.client.cookies["csrftoken"].value
        token = Client(HTTP_HOST=domain, HTTP_X_FORWARDED_PROTO="https").post(
            "/api/v1/auth/token/", {"email": email, "password": password}, content_type="application/json")
        assert token.status_code == 200, token.content
        self.token = token.json()["access"]
        self.answers = Answers()

    def call(self, name: str, method: str, url: str, data):
        if callable(data):
            data = data(self.answers)
        if kind_of(name) == "api":
            headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in api_headers(self.token).items()}
            api = Client(HTTP_HOST=self.domain, HTTP_X_FORWARDED_PROTO="https")  # no session: the bearer token only
            response = (api.get(url, **headers) if method == "GET"
                        else api.post(url, data, content_type="application/json", **headers))
        else:
            extra = {"HTTP_HX_REQUEST": "true", "HTTP_X_CSRFTOKEN": self.csrf,
                     "HTTP_REFERER": f"https://{self.domain}/pos/"} if kind_of(name) == "htmx" else {}
            response = self.client.generic(method, url, **({} if data is None else {"data": data}), **extra) \
                if method == "GET" else self.client.post(url, data, **extra)
        self.answers.keep(name, response)
        return response


def top_entries(session, top: int) -> tuple[list, list]:
    """(functions by their own time, our functions by time including what
    they call) from a pyinstrument session, as fractions of the whole."""
    own, ours = defaultdict(float), defaultdict(float)

    def key_of(frame) -> str:
        return f"{frame.function} ({Path(frame.file_path or '?').name}:{frame.line_no})"

    def walk(frame, parent_key: str, seen: frozenset):
        if frame.identifier.startswith("[self]") or frame.function == "[self]":
            own[parent_key] += frame.time  # time in the parent's own lines
            return
        key = key_of(frame)
        own[key] += frame.total_self_time
        path = frame.file_path or ""
        ours_here = (f"{ROOT}/apps/" in path or f"{ROOT}/config/" in path) and not path.endswith(WRAPPERS)
        if ours_here and key not in seen:
            ours[key] += frame.time
            seen = seen | {key}
        for child in frame.children:
            walk(child, key, seen)

    root = session.root_frame()
    if root is None:
        return [], []
    walk(root, "?", frozenset())
    whole = root.time or 1
    best = lambda d: sorted(((k, v / whole) for k, v in d.items()), key=lambda kv: -kv[1])[:top]  # noqa: E731
    return best(own), best(ours)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", default="bench-web.localhost")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--only", default="", help="request types whose name contains this")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--tree", action="store_true", help="with --profile: pyinstrument's call tree too")
    parser.add_argument("--queries", action="store_true", help="print each request type's SQL")
    args = parser.parse_args()

    from bench_ui import catalogue

    from apps.tenancy.selectors import shop_get_by_domain

    shop = shop_get_by_domain(args.domain)
    if shop is None:
        raise SystemExit(f"no shop at {args.domain}: `make bench-web` prepares it")
    picks = catalogue(shop)
    session = Session(shop, args.domain)
    steps = lambda: [s for s in plan(picks, []) if args.only in s[0]]  # noqa: E731
    for _ in range(2):  # warm-up: templates compiled, caches filled
        for step in steps():
            session.call(*step)
    cpu, queries, status = defaultdict(list), {}, {}
    profilers = {}
    for n in range(args.rounds):
        for step in steps():
            name = step[0]
            with CaptureQueriesContext(connection) as captured:
                started = time.process_time()
                response = session.call(*step)
                cpu[name].append(time.process_time() - started)
            queries[name], status[name] = len(captured), response.status_code
            if args.queries and n == 0:
                print(f"== {name}: {len(captured)} queries")
                for query in captured.captured_queries:
                    print(f"   {query['sql'][:240]}")
            if args.profile and n < args.rounds // 2:
                from pyinstrument import Profiler

                profiler = profilers.setdefault(name, Profiler(interval=0.001))
                profiler.start()
                session.call(*step)
                profiler.stop()
            reset_queries()
    print(f"{'request':<48} {'CPU ms':>7} {'queries':>7} status")
    for name, values in cpu.items():
        print(f"{name:<48} {statistics.median(values) * 1000:7.1f} {queries[name]:7d} {status[name]}")
    for name, profiler in profilers.items():
        median = statistics.median(cpu[name]) * 1000
        own, ours = top_entries(profiler.last_session, args.top)
        print(f"\n## {name}: median {median:.1f} ms CPU (a function's share of the profile, in ms of that median)")
        print("  own time: " + "; ".join(f"{k} {share * median:.1f}" for k, share in own))
        print("  our code: " + "; ".join(f"{k} {share * median:.1f}" for k, share in ours))
        if args.tree:
            print(profiler.output_text(unicode=True, show_all=False, time="percent_of_total"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
