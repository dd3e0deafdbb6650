"""
Upgrading every shop's schema in minutes (docs/operations.md, "Upgrades").

`migrate_schemas` runs Django's whole `migrate` once per schema: load the
graph, render every model, emit post_migrate; about 1.4 s per schema even
with nothing to do. Here that work is done once per *migration state*:

1. Shops whose recorded state is the template's are skipped in one query
   (apps/tenancy/upgrade_state.py).
2. The rest are read in a few queries and grouped by their state. For each
   group the plan is made once; when every operation of it reduces to SQL,
   its SQL is collected once against one schema of the group, the way
   `sqlmigrate` does, and replayed on each schema in one transaction:
   `SET LOCAL search_path`, the SQL, for plans that add or remove models
   the template's content types, permissions and role groups
   (apps/tenancy/upgrade_auth.py: what post_migrate would write), the
   `django_migrations` rows and the state record. A crash leaves each
   schema either done and recorded or untouched; a rerun picks up the rest.
3. Plans that only change what is in the tables (RunPython, non-atomic
   migrations) go through Django's MigrationExecutor per schema, on the
   same workers, starting from a project state rendered once.
4. Plans that need both (data migrations with new models), squashed
   migrations and backwards plans are handed to Django's own `migrate`,
   one schema at a time (post_migrate's caches are not thread-safe).

Workers are threads with a Django connection each, so at most
`connections` + 2 connections are open (the workers, the
command's own and the one holding its advisory lock).
"""
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, connections, router, transaction
from django.db.migrations import operations as ops
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from apps.tenancy import upgrade_state
from apps.tenancy.blueprint import TEMPLATE_SCHEMA
from apps.tenancy.schema_sql import quoted
from apps.tenancy.upgrade_auth import post_migrate_rows_sql

# Operations whose SQL depends on nothing but the schema they run in and
# after which post_migrate (content types, permissions, roles) has nothing
# new to write.
_REPLAYABLE = (
    ops.AddField, ops.RemoveField, ops.AlterField, ops.RenameField,
    ops.AddIndex, ops.RemoveIndex, ops.RenameIndex, ops.AddConstraint, ops.RemoveConstraint,
    ops.AlterUniqueTogether, ops.AlterIndexTogether, ops.AlterModelTableComment, ops.RunSQL,
)


# After these, post_migrate has content types and permissions to write
# (apps/tenancy/upgrade_auth.py copies them from the template).
_NEW_MODELS = (ops.CreateModel, ops.DeleteModel, ops.RenameModel, ops.AlterModelOptions)

REPLAY, EXECUTOR, DJANGO = "replayed as SQL", "Django's executor", "Django's migrate"


@dataclass
class Job:
    """The work for every schema of one migration state."""
    state: str
    schemas: list[str]
    plan_names: list[str]
    mode: str = REPLAY
    reason: str = ""
    sql: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)
    plan: list = field(default_factory=list)
    start: object = None  # the project state before the plan, rendered (EXECUTOR)
    post_migrate: bool = False  # content types, permissions and roles to copy from the template (REPLAY)

    @property
    def replay(self) -> bool:
        return self.mode == REPLAY


@dataclass
class Outcome:
    checked: int = 0
    skipped_up_to_date: int = 0
    replayed: list[str] = field(default_factory=list)
    migrated_by_executor: list[str] = field(default_factory=list)
    migrated_by_django: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _executor() -> MigrationExecutor:
    return MigrationExecutor(connection)


def _mode_of(plan) -> tuple[str, str, bool]:
    """How a plan can be run on many schemas, why not faster, and whether
    post_migrate's rows must follow."""
    mode, reason, post_migrate = REPLAY, "", False
    for migration, backwards in plan:
        label = f"{migration.app_label}.{migration.name}"
        if backwards or migration.replaces:
            return DJANGO, f"{label} is {'unapplied' if backwards else 'a squashed migration'}", True
        if router.allow_migrate(connection.alias, migration.app_label) is False:
            continue  # a shared app: only its row is recorded in shop schemas
        for operation in migration.operations:
            name = type(operation).__name__
            post_migrate = post_migrate or isinstance(operation, _NEW_MODELS)
            if mode == REPLAY and not (migration.atomic and isinstance(operation, (*_REPLAYABLE, *_NEW_MODELS))
                                       and operation.reduces_to_sql):
                mode, reason = EXECUTOR, f"{label}: {name if migration.atomic else 'not atomic'}"
            if mode == EXECUTOR and post_migrate:
                return DJANGO, f"{reason}, with models added or removed", True
    return mode, reason, post_migrate


def plan_for(executor: MigrationExecutor, applied: set[tuple[str, str]], *, schema: str) -> Job:
    """The plan from `applied` to the graph's leaves and how to run it: for
    a replay, its SQL, collected against `schema` (one of the group), which
    the schema editor introspects for the names it alters."""
    loader = executor.loader
    loader.applied_migrations = {key: None for key in applied}
    plan = executor.migration_plan(loader.graph.leaf_nodes())
    job = Job(state="", schemas=[], plan_names=[f"{m.app_label}.{m.name}" for m, _ in plan], plan=plan)
    connection.set_schema(schema)
    try:
        job.mode, job.reason, job.post_migrate = _mode_of(plan)
        if job.mode == DJANGO:
            return job
        state = executor._create_project_state(with_applied_migrations=True)
        if job.mode == EXECUTOR:
            state.apps  # noqa: B018 - rendered once here, cloned for each schema
            job.start = state
            return job
        statements: list[str] = []
        for migration, _ in plan:
            with connection.schema_editor(collect_sql=True, atomic=True) as editor:
                state = migration.apply(state, editor, collect_sql=True)
            statements.extend(s for s in editor.collected_sql if not s.lstrip().startswith("--"))
    finally:
        connection.set_schema_to_public()
    job.sql = "\n".join(statements)
    job.rows = [(m.app_label, m.name) for m, _ in plan]
    return job


def schema_replay(job: Job, schema: str, *, target: str) -> bool:
    """Applies a job's SQL to one schema in one transaction with its
    migration rows and state record. False if the schema's history changed
    since it was planned (someone else migrated it): nothing is done."""
    with transaction.atomic():
        if upgrade_state.schema_state_read_in_transaction(schema) != job.state:
            return False
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL search_path = {quoted(schema)}, public")
            if job.sql:
                cursor.execute(job.sql)
            if job.post_migrate:
                cursor.execute(post_migrate_rows_sql(schema=schema, template=TEMPLATE_SCHEMA))
            if job.rows:
                now = timezone.now()
                cursor.executemany(
                    f"INSERT INTO {quoted(schema)}.django_migrations (app, name, applied) VALUES (%s, %s, %s)",
                    [(app, name, now) for app, name in job.rows],
                )
        upgrade_state.schema_states_record(schemas=[schema], state=target)
    return True


_DJANGO_MIGRATE = threading.Lock()
_CLONE = threading.Lock()
_local = threading.local()


def _state_record_if_at(schema: str, *, target: str) -> None:
    with transaction.atomic():
        if upgrade_state.schema_state_read_in_transaction(schema) != target:
            raise RuntimeError(f"after migrating, {schema}'s migration history still differs from the template's")
        upgrade_state.schema_states_record(schemas=[schema], state=target)


def schema_migrate_with_executor(job: Job, schema: str, *, target: str) -> None:
    """Django's MigrationExecutor on one schema, from the job's rendered
    state; each migration commits with its row, as in `migrate`."""
    if upgrade_state.schema_states_read([schema])[schema] != job.state:
        raise RuntimeError("its migration history changed while this ran; run again")
    executor = getattr(_local, "executor", None)
    if executor is None:
        executor = _local.executor = MigrationExecutor(connection)
    with _CLONE:
        state = job.start.clone()
    connection.set_schema(schema)
    try:
        executor.migrate([], plan=job.plan, state=state)
    finally:
        connection.set_schema_to_public()
    _state_record_if_at(schema, target=target)


def schema_migrate_with_django(schema: str, *, target: str) -> None:
    """What `migrate_schemas` does for one schema, then the state record if
    the schema now has the template's history."""
    from django.core.management import call_command
    from django_tenants.utils import get_tenant_base_migrate_command_class

    with _DJANGO_MIGRATE:
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        try:
            call_command(get_tenant_base_migrate_command_class()(), interactive=False, verbosity=0, skip_checks=True)
        finally:
            connection.set_schema_to_public()
    _state_record_if_at(schema, target=target)


def jobs_for(schemas: list[str], *, target: str) -> tuple[list[Job], list[str], list[str]]:
    """Groups the schemas to check by state: (jobs, up to date, without history)."""
    with_history = upgrade_state.schemas_with_history(schemas)
    bare = [s for s in schemas if s not in with_history]
    states = upgrade_state.schema_states_read([s for s in schemas if s in with_history])
    up_to_date = [s for s, st in states.items() if st == target]
    groups: dict[str, list[str]] = {}
    for schema, state in states.items():
        if state != target:
            groups.setdefault(state, []).append(schema)
    executor = _executor() if groups else None
    jobs = []
    for state, members in groups.items():
        job = plan_for(executor, upgrade_state.schema_history_read(members[0]), schema=members[0])
        job.state, job.schemas = state, sorted(members)
        jobs.append(job)
    return jobs, up_to_date, bare


class Progress:
    """'migrated 420/1000 schemas, 35/s, ETA 17 s' every few seconds."""

    def __init__(self, total: int, write: Callable[[str], None], every: float):
        self.total, self.write, self.every = total, write, every
        self.done = 0
        self.started = self.last = time.monotonic()
        self._lock = threading.Lock()

    def step(self) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if now - self.last >= self.every or self.done == self.total:
                self.last = now
                rate = self.done / max(now - self.started, 1e-6)
                eta = (self.total - self.done) / rate if rate else 0
                self.write(f"migrated {self.done}/{self.total} schemas, {rate:.0f}/s, ETA {eta:.0f} s")


def jobs_run(jobs: list[Job], bare: list[str], *, target: str, workers: int, outcome: Outcome,
             write: Callable[[str], None], progress_every: float = 5.0) -> None:
    """Runs every schema of every job on `workers` threads (one connection
    each); a failing schema is reported and the others go on."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        for schema in job.schemas:
            work.put((job, schema))
    for schema in bare:
        work.put((None, schema))
    progress = Progress(work.qsize(), write, progress_every)
    lock = threading.Lock()

    def worker() -> None:
        try:
            while True:
                try:
                    job, schema = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    if job is not None and job.mode == REPLAY:
                        if not schema_replay(job, schema, target=target):
                            raise RuntimeError("its migration history changed while this ran; run again")
                        with lock:
                            outcome.replayed.append(schema)
                    elif job is not None and job.mode == EXECUTOR:
                        schema_migrate_with_executor(job, schema, target=target)
                        with lock:
                            outcome.migrated_by_executor.append(schema)
                    else:
                        schema_migrate_with_django(schema, target=target)
                        with lock:
                            outcome.migrated_by_django.append(schema)
                except Exception as exc:  # noqa: BLE001 - reported per schema, the run goes on
                    with lock:
                        outcome.failed[schema] = f"{type(exc).__name__}: {exc}".strip()
                progress.step()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, name=f"migrate-shops-{i}") for i in range(max(1, workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
