"""manage.py migrate_shops: the upgrade of a release, in minutes at 10,000 shops (apps/tenancy/upgrade.py)."""
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db import connections as db_connections

from apps.tenancy import upgrade, upgrade_state
from apps.tenancy.blueprint import TEMPLATE_SCHEMA, blueprint_refresh

# pg_try_advisory_lock key: one migrate_shops at a time per database.
_LOCK_KEY = 0x7A617267  # "zarg"


class Command(BaseCommand):
    help = (
        "Migrates the public schema and the template the normal way, then every shop whose recorded migration "
        "state is not the template's, in parallel on a bounded number of connections. Safe to rerun after a crash."
    )

    def add_arguments(self, parser):
        parser.add_argument("--connections", type=int, default=4,
                            help="Worker connections for the shop schemas (default 4); the command opens two more "
                                 "(its own and the one holding the run's lock).")
        parser.add_argument("--recheck", action="store_true",
                            help="Read every shop's migration history, not only those whose record is stale.")
        parser.add_argument("--progress-seconds", type=float, default=5.0, help="Seconds between progress lines.")

    def handle(self, *args, connections: int, recheck: bool, progress_seconds: float, verbosity: int, **options):
        if not 1 <= connections <= 64:
            raise CommandError("--connections must be between 1 and 64.")
        started = time.monotonic()
        self.verbosity = verbosity
        # The lock lives on a connection of its own: migrate_schemas closes
        # the default one after each schema, which would drop a session lock.
        lock = db_connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with lock.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    raise CommandError("Another migrate_shops is running on this database.")
            self._shared_and_template(verbosity)
            self._shops(connections=connections, recheck=recheck, progress_seconds=progress_seconds, started=started)
        finally:
            connection.set_schema_to_public()
            lock.close()

    def _say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(message)
            self.stdout.flush()

    def _shared_and_template(self, verbosity: int) -> None:
        started = time.monotonic()
        quiet = max(0, verbosity - 1)
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=quiet)
        call_command("setup_platform", verbosity=quiet, stdout=self.stdout if verbosity > 1 else _Null())
        call_command("migrate_schemas", schema_name=TEMPLATE_SCHEMA, interactive=False, verbosity=quiet)
        connection.set_schema_to_public()
        blueprint_refresh()  # the DDL new shops are made from, at the template's new state
        self._say(f"public and template schemas migrated in {time.monotonic() - started:.1f} s")

    def _shops(self, *, connections: int, recheck: bool, progress_seconds: float, started: float) -> None:
        target = upgrade_state.schema_states_read([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]
        with transaction.atomic():
            upgrade_state.schema_states_record(schemas=[TEMPLATE_SCHEMA], state=target)
        to_check = upgrade_state.schemas_to_check(target=target, recheck=recheck)
        outcome = upgrade.Outcome(checked=len(to_check))
        self._say(f"{len(to_check)} shop schemas to check (target state {target[:12]})")
        jobs, up_to_date, bare = upgrade.jobs_for(to_check, target=target)
        self._say(f"read and planned in {time.monotonic() - started:.1f} s since the start")
        with transaction.atomic():
            upgrade_state.schema_states_record(schemas=up_to_date, state=target)
        outcome.skipped_up_to_date = len(up_to_date)
        if up_to_date:
            self._say(f"{len(up_to_date)} were already up to date (recorded)")
        for job in jobs:
            how = job.mode if job.replay else f"{job.mode} ({job.reason})"
            self._say(f"{len(job.schemas)} schemas at state {job.state[:12]}: {len(job.plan_names)} migrations, {how}")
        if bare:
            self._say(f"{len(bare)} schemas without migration history: Django's migrate")
        upgrade.jobs_run(jobs, bare, target=target, workers=connections, outcome=outcome, write=self._say,
                         progress_every=progress_seconds)
        self._say(
            f"done in {time.monotonic() - started:.1f} s: {len(outcome.replayed)} replayed, "
            f"{len(outcome.migrated_by_executor)} by Django's executor, {len(outcome.migrated_by_django)} by Django's migrate, "
            f"{outcome.skipped_up_to_date} already up to date, "
            f"{len(outcome.failed)} failed"
        )
        if outcome.failed:
            for schema, error in sorted(outcome.failed.items()):
                self.stderr.write(f"{schema}: {error}")
            raise CommandError(f"{len(outcome.failed)} schemas failed; fix the cause and run migrate_shops again.")


class _Null:
    def write(self, *_):
        pass

    def flush(self):
        pass
