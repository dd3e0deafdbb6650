"""
PgBouncer in front of the PostgreSQL server at DIRECT_DATABASE_URL, in
transaction pooling mode, as docker-compose.yml and k8s/pgbouncer.yaml run
it (from the app image, which carries Debian's pgbouncer package).

Writes pgbouncer.ini and the userlist (the one user and password of the URL,
mode 0600) into a directory of its own under /tmp, then becomes pgbouncer.
Clients log in with the same user and password as to PostgreSQL. Sizing:
docs/pooling.md.

    python scripts/pgbouncer_serve.py --port 6432 --default-pool-size 20 --max-client-conn 1000
"""
import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = {listen}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = {max_client_conn}
max_db_connections = {max_db_connections}
server_lifetime = 3600
server_idle_timeout = 600
ignore_startup_parameters = extra_float_digits
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=6432)
    parser.add_argument("--default-pool-size", type=int, default=20, help="server connections per database and user")
    parser.add_argument("--max-client-conn", type=int, default=1000)
    parser.add_argument("--max-db-connections", type=int, default=0, help="cap per database (0: none beyond the pool)")
    args = parser.parse_args()

    url = urlsplit(os.environ.get("DIRECT_DATABASE_URL") or sys.exit("DIRECT_DATABASE_URL must name the PostgreSQL server"))
    if not (url.hostname and url.username and url.password):
        sys.exit("DIRECT_DATABASE_URL needs a host, a user and a password: postgres://USER:PASSWORD@HOST:5432/DB")
    binary = shutil.which("pgbouncer") or sys.exit("pgbouncer is not installed in this image (apt-get install pgbouncer)")
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (directory / "pgbouncer.ini").write_text(CONFIG.format(
        host=url.hostname, port=url.port or 5432, listen=args.port, directory=directory, pool_size=args.default_pool_size,
        max_client_conn=args.max_client_conn, max_db_connections=args.max_db_connections))
    userlist = directory / "userlist.txt"
    userlist.touch(mode=0o600)
    quote = lambda text: '"' + text.replace('"', '""') + '"'  # the userlist's quoting
    userlist.write_text(f"{quote(unquote(url.username))} {quote(unquote(url.password))}\n")
    os.execv(binary, [binary, str(directory / "pgbouncer.ini")])


if __name__ == "__main__":
    main()
