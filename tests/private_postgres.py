"""A PostgreSQL server of a test's own, which the test may stop and start
(the machine's shared server must never be stopped). initdb refuses to run
as root, so as root the server runs as the `postgres` system user.

With `archive=True` it archives its WAL as the shipped configuration does
(docker-compose.yml) into `self.archive`, and `base_backup()` takes a base
backup with scripts/pg_base_backup.sh; `PrivatePostgres.restored()` is a new
server prepared from such a backup and archive by scripts/pg_pitr_restore.sh."""
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ROOT = Path(__file__).resolve().parents[1]


class PrivatePostgres:
    def __init__(self, *, archive: bool = False, initdb: bool = True):
        if not (BIN / "initdb").exists():
            raise FileNotFoundError(f"no PostgreSQL server binaries in {BIN} (set PG_BINDIR)")
        # Not under pytest's tmp_path: its folders are root-only, and the server runs as postgres.
        self.root = Path(tempfile.mkdtemp(prefix="zargar-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.archive, self.backups = self.root / "wal-archive", self.root / "base-backups"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, user="postgres")
        if initdb:
            self._run(BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        if archive:
            self._run("mkdir", self.archive)
            # As docker-compose.yml's postgres command: WAL for archiving, each
            # full segment copied to the archive (never over a file there).
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write(f"wal_level = replica\narchive_mode = on\n"
                           f"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f'\n")

    @classmethod
    def restored(cls, backup: Path, archive: Path, target: str = "") -> "PrivatePostgres":
        """A server (not started) whose data directory is `backup` plus the
        WAL in `archive`, up to `target` (scripts/pg_pitr_restore.sh)."""
        server = cls(initdb=False)
        server._run("sh", ROOT / "scripts/pg_pitr_restore.sh", backup, server.data, archive, target)
        return server

    def base_backup(self) -> Path:
        """A base backup of the running server (scripts/pg_base_backup.sh); its folder."""
        self._run("env", "PGHOST=127.0.0.1", f"PGPORT={self.port}", "PGUSER=postgres", f"BACKUP_DIR={self.backups}",
                  f"WAL_ARCHIVE={self.archive}", f"PATH={BIN}:{os.environ['PATH']}",
                  "sh", ROOT / "scripts/pg_base_backup.sh", timeout=300)
        return max(p for p in self.backups.iterdir() if not p.name.endswith(".partial"))

    def _run(self, *args, timeout: float = 60) -> str:
        command = [str(a) for a in args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}\n{log}")
        return done.stdout

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        self._run(BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "-t", "300", "start", timeout=320)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: every backend killed at once, as in a crash; the next
        start recovers from the WAL."""
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
