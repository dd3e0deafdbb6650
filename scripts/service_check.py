"""Is PostgreSQL / Redis at this URL reachable? Exit 0 if so, 1 if not.

    python scripts/service_check.py postgres postgres://user@host:5432/db
    python scripts/service_check.py redis redis://host:6379/0
    python scripts/service_check.py createdb postgres://user@host:5432/db
"""
import sys
from urllib.parse import urlparse


def pg_connect(url: str, dbname: str | None = None):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=parts.username or "postgres",
        password=parts.password or None, dbname=dbname or parts.path.lstrip("/") or "postgres",
        connect_timeout=3, autocommit=True,
    )


def main(kind: str, url: str) -> int:
    try:
        if kind == "postgres":
            pg_connect(url, dbname="postgres").close()
        elif kind == "redis":
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        elif kind == "createdb":
            name = urlparse(url).path.lstrip("/")
            with pg_connect(url, dbname="postgres") as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    conn.execute(f'CREATE DATABASE "{name}"')
                    print(f"created database {name}")
        else:
            raise SystemExit(f"unknown check {kind}")
    except Exception as exc:  # reported, the caller decides what to do
        print(f"{kind} at {url}: {exc.__class__.__name__}: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
