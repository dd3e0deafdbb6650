"""A PgBouncer of a test's (or a benchmark's) own, in transaction pooling
mode, in front of one database of the machine's PostgreSQL.

Two pooled databases: `single` has ONE server connection (pool_size=1), so
every client through it shares it; the database's own name has a few.
The binary: PGBOUNCER=path (make test exports what scripts/pgbouncer.sh
unpacks), PATH, or var/pgbouncer."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from copy import deepcopy
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PGBOUNCER = os.environ.get("PGBOUNCER") or shutil.which("pgbouncer") or next(
    (str(p) for p in [ROOT / "var/pgbouncer/bin/pgbouncer"] if p.exists()), None)
PORTS = range(6510, 6520)  # the pooling tests' and benchmark's own
SINGLE = "single"

CONFIG = """\
[databases]
{name} = host={host} port={port} dbname={name} user={user} pool_size=4
{single} = host={host} port={port} dbname={name} user={user} pool_size=1

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/users.txt
admin_users = {user}
pool_mode = transaction
default_pool_size = 1
max_client_conn = 200
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
{run_as}
"""


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


class PgBouncer:
    """pgbouncer on a port of PORTS, its files in a directory of its own.
    PgBouncer refuses to run as root: then it runs as nobody, which must be
    able to read and write that directory."""

    def __init__(self, database: dict):
        self.directory = Path(tempfile.mkdtemp(prefix="zargar-pgbouncer-"))
        self.port, self.database = _free_port(), database
        self.name, self.process = database["NAME"], None

    def start(self) -> "PgBouncer":
        user = self.database["USER"] or "postgres"
        (self.directory / "users.txt").write_text(f'"{user}" ""\n')
        config = self.directory / "pgbouncer.ini"
        config.write_text(CONFIG.format(name=self.name, single=SINGLE, host=self.database["HOST"] or "127.0.0.1",
                                        port=self.database["PORT"] or 5432, user=user, listen=self.port, dir=self.directory,
                                        run_as="user = nobody" if os.geteuid() == 0 else ""))
        self.directory.chmod(0o777)
        self.process = subprocess.Popen([PGBOUNCER, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.admin("SHOW VERSION")
                return self
            except psycopg.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.directory / "pgbouncer.log").read_text() if (self.directory / "pgbouncer.log").exists() else ""
                    self.stop()
                    raise RuntimeError(f"pgbouncer did not start:\n{log}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://{self.database['USER'] or 'postgres'}@127.0.0.1:{self.port}/{database}"

    def admin(self, command: str) -> list[dict]:
        """A command of PgBouncer's admin console (SHOW POOLS, SHOW SERVERS, ...), rows as dicts."""
        with psycopg.connect(self.url("pgbouncer"), autocommit=True, connect_timeout=2) as admin:
            cursor = admin.execute(command)
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def servers(self, database: str) -> int:
        """Server connections PgBouncer holds for `database`."""
        return sum(1 for row in self.admin("SHOW SERVERS") if row["database"] == database)

    def transactions(self, database: str) -> int:
        """Transactions PgBouncer has passed to `database` so far."""
        return sum(int(row["total_xact_count"]) for row in self.admin("SHOW STATS") if row["database"] == database)

    def settings(self, database: str, pool_mode: str) -> dict:
        """A Django DATABASES entry: this session's database through PgBouncer's `database`."""
        return {**deepcopy(self.database), "HOST": "127.0.0.1", "PORT": str(self.port), "NAME": database,
                "POOL_MODE": pool_mode, "DISABLE_SERVER_SIDE_CURSORS": True, "CONN_MAX_AGE": 0, "TEST": {}}
