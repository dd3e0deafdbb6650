"""
The database backend (ENGINE "apps.core.db"): django-tenants' schema
switching, made safe behind PgBouncer in transaction pooling mode.

django-tenants points a connection at a shop with a session-level `SET
search_path`. Here it is issued only when the path the session carries (kept
across requests, forgotten wherever django-tenants forgets it: rollback,
savepoint rollback, close) differs from the current shop's.
Behind a transaction pooler the session is not ours: every transaction (in
autocommit, every statement) may run on another server connection, which
still carries the search_path its last client set there, another shop's.

With the database's POOL_MODE "transaction" (DATABASE_POOL_MODE, settings) no
session-level SET is sent. The first statement of each transaction carries
`SET LOCAL search_path = <shop>, public` in the same simple-protocol message
(`SET LOCAL ...; <statement>`): one round trip, one server connection, and
the setting ends with the transaction. In autocommit mode that is every
statement (the message is its own implicit transaction); in an atomic block
the first one, and the first one after the shop changed or a savepoint was
rolled back (which undoes a SET LOCAL issued after it). docs/pooling.md has
the reasons and the cost.

Django's default cursor binds parameters on the client, so every statement
goes in the simple protocol; Django prepares no statements by default
(prepare_threshold None). Transaction mode refuses the options that would
undo either, and the settings turn off server-side cursors (a holdable one
outlives its transaction).
"""
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base as postgresql_base
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import quote_schema_name
from psycopg import ProgrammingError, sql
from psycopg.pq import TransactionStatus

TRANSACTION = "transaction"
POOL_MODES = ("session", TRANSACTION)
# OPTIONS that make psycopg keep state on the server session.
SESSION_OPTIONS = ("server_side_binding", "prepare_threshold", "assume_role")


class Cursor(postgresql_base.Cursor):
    """Django's client-binding cursor; sends each statement after the
    search_path its transaction needs (`search_path_prefix`, set by the
    DatabaseWrapper on the cursors it makes)."""

    search_path_prefix = None

    def execute(self, query, params=None, **kwargs):
        prefix = self.search_path_prefix() if self.search_path_prefix else ""
        if not prefix:
            return super().execute(query, params, **kwargs)
        if isinstance(query, sql.Composable):
            query = query.as_string(self)
        elif isinstance(query, bytes):
            query = query.decode()
        # Parameters are merged into the text: a % of the prefix must not read as one.
        super().execute((prefix if params is None else prefix.replace("%", "%%")) + query, params, **kwargs)
        self.nextset()  # past the SET's result, to the statement's
        return self

    def executemany(self, query, params_seq, **kwargs):
        self._search_path_apart()
        return super().executemany(query, params_seq, **kwargs)

    def copy(self, statement, params=None, **kwargs):
        self._search_path_apart()
        return super().copy(statement, params, **kwargs)

    def _search_path_apart(self):
        """executemany and COPY take no second statement in their message:
        the SET LOCAL goes before them, in the transaction they run in."""
        if self.connection.autocommit and self.connection.info.transaction_status == TransactionStatus.IDLE:
            raise ProgrammingError("Behind a transaction pooler, executemany and COPY must run in a transaction "
                                   "(transaction.atomic): the search_path is set per transaction.")
        prefix = self.search_path_prefix() if self.search_path_prefix else ""
        if prefix:
            super().execute(prefix)


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    """django-tenants' wrapper; in transaction mode the search_path is set
    per transaction instead of per connection. `search_path_set_schemas`,
    which django-tenants clears wherever the path may be lost (a new shop,
    rollback, savepoint rollback, close), then holds the path the current
    transaction carries."""

    @property
    def transaction_pooling(self) -> bool:
        # The connection without a database (CREATE DATABASE for the test
        # database) reads no table and must send nothing before its statements.
        return self.settings_dict.get("POOL_MODE") == TRANSACTION and self.alias != NO_DB_ALIAS

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.transaction_pooling:
            kept = [name for name in SESSION_OPTIONS if self.settings_dict["OPTIONS"].get(name)]
            if kept:
                raise ImproperlyConfigured(f"DATABASE_POOL_MODE=transaction cannot use OPTIONS {', '.join(kept)}: "
                                           "they keep state on a server connection that the pooler shares.")
            params["cursor_factory"] = Cursor
        return params

    def _cursor(self, name=None):
        if name and self.transaction_pooling:
            raise ImproperlyConfigured("Server-side cursors cannot be used behind a transaction pooler "
                                       "(DISABLE_SERVER_SIDE_CURSORS).")
        cursor = super()._cursor(name)  # Django's CursorWrapper around ours
        if self.transaction_pooling:
            cursor.cursor.search_path_prefix = self._search_path_prefix
        return cursor

    def set_tenant(self, tenant, include_public=True):
        # django-tenants forgets the session's path on every set_tenant, so
        # each request paid two `SET search_path` (public to find the shop,
        # then the shop) even when the connection already pointed at it.
        # In session mode the path set is kept, and compared below.
        session_path = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if not self.transaction_pooling:
            self.search_path_set_schemas = session_path

    def _handle_search_path(self, cursor=None):
        if self.transaction_pooling or self._setting_search_path:
            return
        if not self.schema_name or self.search_path_set_schemas != self._get_cursor_search_paths():
            self.search_path_set_schemas = None  # TENANT_LIMIT_SET_CALLS skips the SET while this is set
            super()._handle_search_path(cursor)

    def _search_path_prefix(self) -> str:
        """The SET LOCAL the next statement must carry, or "" when its
        transaction already has the current shop's path."""
        info = self.connection.info
        paths = self._get_cursor_search_paths()
        if info.transaction_status != TransactionStatus.IDLE and self.search_path_set_schemas == paths:
            return ""
        # Remembered only for a transaction that outlasts this statement.
        in_transaction = not self.connection.autocommit or info.transaction_status != TransactionStatus.IDLE
        self.search_path_set_schemas = paths if in_transaction else None
        return f"SET LOCAL search_path = {','.join(quote_schema_name(s) for s in paths)}; "
