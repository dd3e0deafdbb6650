"""
One schema's SQL as pg_dump writes it (plain format), and the same SQL under
another schema name: for new shops (apps.tenancy.blueprint) and for bringing a
shop back from its export under a new name.

pg_dump qualifies every object it writes with its schema (and sets an empty
search_path), so renaming means rewriting each qualifier `old.` (or
`"old".`) and the `SCHEMA old` clauses. The rows of COPY blocks are data and
are never touched; string literals in DDL are (`nextval('old.seq'::regclass)`
must follow the rename), so a column default spelling out "old." would be
rewritten too: our schemas have none.
"""
import os
import re
import subprocess

from django.conf import settings

_COPY_START = re.compile(r"^COPY .* FROM stdin;$")
_COPY_END = "\\."


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_renamed(sql: str, *, old: str, new: str) -> str:
    """`sql` with every reference to schema `old` made a reference to `new`."""
    if old == new:
        return sql
    name = f'(?:{re.escape(old)}|{re.escape(quoted(old))})'
    qualifier = re.compile(rf'(?<![\w"$]){name}(?=\.)')
    clause = re.compile(rf'(\bSCHEMA\s+){name}(?![\w"$])')
    target = quoted(new)
    lines, in_copy = [], False
    for line in sql.split("\n"):
        if in_copy:
            in_copy = line != _COPY_END
        else:
            in_copy = bool(_COPY_START.match(line))
            line = clause.sub(lambda m: m.group(1) + target, qualifier.sub(target, line))
        lines.append(line)
    return "\n".join(lines)


def direct_connection_env(connection) -> dict:
    """libpq's environment for the PostgreSQL server itself (never a pooler):
    DIRECT_DATABASE_URL when it names another server than DATABASE_URL, else
    the server and database `connection` uses (in tests, the test database)."""
    import dj_database_url

    params = dict(connection.settings_dict)
    if settings.DIRECT_DATABASE_URL != settings.DATABASE_URL:
        params |= {k: v for k, v in dj_database_url.parse(settings.DIRECT_DATABASE_URL).items() if v}
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")):
        if params.get(key):
            env[variable] = str(params[key])
    return env


def schema_dump(connection, *, schema: str, schema_only: bool = False, timeout: float = 600) -> str:
    """pg_dump's plain SQL of one schema (no owners, no grants)."""
    args = [settings.PG_DUMP, "--no-owner", "--no-privileges", "--schema", schema]
    if schema_only:
        args.append("--schema-only")
    done = subprocess.run(args, env=direct_connection_env(connection), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"pg_dump of schema {schema} failed: {done.stderr.strip()}")
    return done.stdout


# pg_dump's session settings (search_path above all: the SQL runs on the
# application's own connection, whose session it must not change; every name
# in a dump is qualified) and psql's meta-commands.
SESSION_PREFIXES = ("SET ", "SELECT pg_catalog.set_config(", "\\restrict ", "\\unrestrict ")


def dump_apply(cursor, sql: str) -> None:
    """Runs pg_dump's plain SQL on `cursor` without psql: the statements
    between COPY blocks in one round trip each, every COPY block through
    psycopg's COPY FROM STDIN with its rows exactly as written. Session
    settings are left out (the caller sets what it needs, with SET LOCAL).
    The caller's transaction makes it all-or-nothing."""
    statements: list[str] = []

    def flush():
        if any(s.strip() and not s.lstrip().startswith("--") for s in statements):
            cursor.execute("\n".join(statements))
        statements.clear()

    copy_header, rows = None, []
    for line in sql.split("\n"):
        if copy_header is not None:
            if line == _COPY_END:
                with cursor.copy(copy_header[:-len(" FROM stdin;")] + " FROM STDIN") as copy:
                    if rows:
                        copy.write("\n".join(rows) + "\n")
                copy_header, rows = None, []
            else:
                rows.append(line)
        elif _COPY_START.match(line):
            flush()
            copy_header = line
        elif not line.startswith(SESSION_PREFIXES):
            statements.append(line)
    if copy_header is not None:
        raise ValueError(f"unterminated COPY block: {copy_header}")
    flush()
