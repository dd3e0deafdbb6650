"""
Background work tests: a committed shop of their own, real Redis servers the
tests may stop, and real Celery worker processes the tests may kill.

Tests that need committed data (seen by worker processes) write it into
`bg_shop`, a shop provisioned through the real service on first use and
dropped at the end of the session, so the shared shops A and B never see it.
Tests sharing it stay independent by making their own branch, items and
customers.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import PASSWORD, child_env, drop_shops_committed

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_SERVER = shutil.which("redis-server")


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "the condition", log: Path | None = None):
    """Polls `predicate` until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = "\n".join(log.read_text().splitlines()[-60:]) if log and log.exists() else ""
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}.\n{tail}")
        time.sleep(interval)


# --------------------------------------------------------------------------
# A committed shop of the background tests' own
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bg_shop(django_db_setup, django_db_blocker):
    from apps.accounts.models import Role
    from apps.accounts.services import user_create
    from apps.tenancy.services import shop_create

    key = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        tenant = shop_create(name=f"BG {key}", domain=f"bg-{key}.localhost", owner_email=f"owner@bg-{key}.test",
                             owner_password=PASSWORD).tenant
        with tenant:
            for role in (Role.MANAGER, Role.CASHIER):
                user_create(email=f"{role}@bg-{key}.test", password=PASSWORD, role=role)
        connection.set_schema_to_public()
        tenant.domain = f"bg-{key}.localhost"
        yield tenant
        connection.set_schema_to_public()
        drop_shops_committed(schema_name=tenant.schema_name)


# --------------------------------------------------------------------------
# Redis servers of the tests' own (never the shared one)
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """redis-server on a free port; `persistent` keeps an append-only file in
    `directory` across a kill and restart, as docker-compose.yml runs Redis."""

    def __init__(self, directory: Path, *, persistent: bool = False):
        self.port, self.directory, self.process = free_port(), directory, None
        self.persistent = persistent

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1)

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.persistent else "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=15, what=f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def kill(self) -> None:
        """SIGKILL: a crash, no clean shutdown (what it wrote to its file stays)."""
        self.process.kill()
        self.process.wait(10)
        self.process = None


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed here: these tests start and stop Redis servers of their own")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


# --------------------------------------------------------------------------
# Worker processes
# --------------------------------------------------------------------------


class Worker:
    """A real `celery worker` on `broker_url`, consuming `queue` only, with
    the test-only tasks loaded; in a process group of its own so that a test
    can kill it (and its pool children) like a crash would."""

    def __init__(self, *, broker_url: str, queue: str, log: Path, pool: str = "solo", env: dict | None = None):
        self.broker_url, self.queue, self.log, self.pool, self.env = broker_url, queue, log, pool, env or {}
        self.name = f"{queue}-{uuid.uuid4().hex[:4]}@{os.uname().nodename}"
        self.process = None

    def start(self) -> "Worker":
        environment = child_env(CELERY_BROKER_URL=self.broker_url, CELERY_RESULT_BACKEND=self.broker_url,
                                CELERY_TASK_DEFAULT_QUEUE=self.queue, **self.env)
        self.log.write_text("")
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", f"--pool={self.pool}", "--concurrency=1",
                 "-Q", self.queue, "-n", self.name, "-I", "tests.background.worker_tasks",
                 "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"],
                env=environment, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
            )
        wait_for(lambda: " ready." in self.log.read_text() or self.process.poll() is not None, timeout=60,
                 what="the worker to start", log=self.log)
        if self.process.poll() is not None:
            raise RuntimeError(f"The worker exited:\n{self.log.read_text()}")
        return self

    def kill(self) -> None:
        """SIGKILL to the whole worker (a crash, an OOM kill, a lost node)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def start_worker(tmp_path):
    """start_worker(broker_url, queue=..., pool=..., env=...) -> a running Worker, stopped after the test."""
    workers = []

    def start(broker_url: str, *, queue: str | None = None, pool: str = "solo", env: dict | None = None) -> Worker:
        worker = Worker(broker_url=broker_url, queue=queue or f"bg-{uuid.uuid4().hex[:8]}",
                        log=tmp_path / f"worker-{len(workers)}.log", pool=pool, env=env)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def sender(broker_url: str):
    """A Celery app of the test's own on `broker_url`, for sending tasks and
    reading results (the project's app stays on the shared Redis)."""
    from celery import Celery

    app = Celery("zargar-tests", broker=broker_url, backend=broker_url, set_as_current=False)
    app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    return app


def send(app, name: str, /, *, schema: str, queue: str, **kwargs):
    """Sends task `name` with `kwargs` to run in `schema` (as the project does)."""
    return app.send_task(name, kwargs=kwargs, queue=queue, headers={"_schema_name": schema})


# --------------------------------------------------------------------------
# Messages on a real broker queue
# --------------------------------------------------------------------------


@pytest.fixture
def broker_queue():
    """Points the project's Celery app at a fresh queue on the configured
    broker for the test, and reads back what was sent there: a list of
    (task name, headers, kwargs)."""
    import redis

    from config.celery_app import app

    queue = f"bg-probe-{uuid.uuid4().hex[:8]}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    client = redis.Redis.from_url(app.conf.broker_url)

    # kombu keeps a list per priority step: the queue's name, then "\x06\x16<step>".
    keys = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]

    def messages() -> list[tuple[str, dict, dict]]:
        found = []
        for key in keys:  # the order Redis serves them in
            for raw in reversed(client.lrange(key, 0, -1)):  # LPUSH: oldest last
                message = json.loads(raw)
                _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
                found.append((message["headers"]["task"], message["headers"], kwargs))
        return found

    yield messages
    app.conf.task_default_queue = before
    client.delete(*keys, f"outbox:dirty:{queue}")  # the queue's dirty marks (apps.core.shopwork)
