"""
`manage.py migrate_shops` against a database of its own with four shops and
a test-only tenant app (tests/tenancy/upgrade_probe) released in three
steps, each run in a subprocess with tests/tenancy/upgrade_settings.py:

1. a new model (replayed as SQL, with the template's content types,
   permissions and role groups, which post_migrate wrote there),
2. a new column and an index (replayed as SQL), with one shop made to fail,
   then fixed and the run repeated,
3. a RunPython data migration (Django's executor, on the workers), after
   one shop was brought there by plain `migrate_schemas`,
4. another column, with the run killed (SIGKILL) between two shops and
   started again.

The whole story runs once for the module (`story`); each test reads one
part of what was seen.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SHOPS = ["up_a", "up_b", "up_c", "up_d"]
WORKERS = 2
ROLES = """
    SELECT g.name, c.app_label, p.codename FROM {schema}.auth_group g
    JOIN {schema}.auth_group_permissions gp ON gp.group_id = g.id
    JOIN {schema}.auth_permission p ON p.id = gp.permission_id
    JOIN {schema}.django_content_type c ON c.id = p.content_type_id
"""


def _server_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


class Story:
    def __init__(self, dbname: str):
        self.dbname = dbname
        self.url = _server_url(dbname)
        self.seen: dict = {}

    def env(self, step: int) -> dict:
        return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.tenancy.upgrade_settings", "DATABASE_URL": self.url,
                "UPGRADE_PROBE_STEP": str(step)}

    def run(self, step: int, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(step), capture_output=True,
                              text=True, timeout=600, check=False)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def sql(self, query: str, params=None) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def states(self) -> dict[str, tuple]:
        return {s: (state, at) for s, state, at in
                self.sql("SELECT schema_name, state, migrated_at FROM tenancy_schemamigrationstate")}

    def history(self, schema: str) -> dict[tuple[str, str], object]:
        return {(a, n): at for a, n, at in self.sql(f'SELECT app, name, applied FROM "{schema}".django_migrations')}

    def probe_shape(self, schema: str) -> tuple:
        columns = self.sql(
            "SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = 'upgrade_probe_probe' "
            "ORDER BY column_name", [schema])
        indexes = self.sql(
            "SELECT indexname, replace(indexdef, %s, 'S.') FROM pg_indexes "
            "WHERE schemaname = %s AND tablename = 'upgrade_probe_probe' ORDER BY indexname", [f"{schema}.", schema])
        return columns, indexes

    def grams_done(self, schema: str) -> tuple[bool, bool, bool]:
        """(column there, migration row there, record at the template's state)."""
        column = bool(self.sql("SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                               "AND table_name = 'upgrade_probe_probe' AND column_name = 'grams'", [schema]))
        row = ("upgrade_probe", "0004_probe_grams") in self.history(schema)
        states = self.states()
        return column, row, states[schema][0] == states["zargar_template"][0]

    def kill_after_first_commit(self, step: int, migration: str) -> int:
        """Starts migrate_shops on one worker and SIGKILLs it as soon as one
        shop has `migration`; returns how many shops had it then."""
        process = subprocess.Popen([sys.executable, "manage.py", "migrate_shops", "--connections", "1"], cwd=ROOT,
                                   env=self.env(step), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        query = " UNION ALL ".join(
            f"SELECT count(*) FROM {schema}.django_migrations WHERE app = 'upgrade_probe' AND name = %s" for schema in SHOPS)
        deadline = time.monotonic() + 300
        try:
            while time.monotonic() < deadline and process.poll() is None:
                done = sum(n for (n,) in self.sql(query, [migration] * len(SHOPS)))
                if done:
                    process.send_signal(signal.SIGKILL)
                    return done
                time.sleep(0.02)
            raise AssertionError("migrate_shops finished or hung before it could be killed")
        finally:
            process.kill()
            process.wait(30)

    def peak_backends_during(self, fn):
        """Runs fn while counting this database's backends (other than the counter's)."""
        peak, stop = [0], threading.Event()

        def count():
            with psycopg.connect(self.url, autocommit=True) as conn:
                while not stop.is_set():
                    n = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                     [self.dbname]).fetchone()[0]
                    peak[0] = max(peak[0], n)
                    time.sleep(0.02)

        counter = threading.Thread(target=count)
        counter.start()
        try:
            result = fn()
        finally:
            stop.set()
            counter.join()
        return result, peak[0]


def _admin(query: str) -> None:
    with psycopg.connect(_server_url("postgres"), autocommit=True) as conn:
        conn.execute(query)


@pytest.fixture(scope="module")
def story():
    dbname = f"{settings.DATABASES['default']['NAME']}_migrate_shops"[:63]
    _admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{dbname}"')
    s = Story(dbname)
    seen = s.seen
    try:
        s.run(0, "migrate_shops")
        code = "\n".join(
            f"shop_create(name='{host}', domain='{host}.localhost', owner_email='o@{host}.test', "
            "owner_password='A-long-enough-pass-42')" for host in (name.replace("_", "-") for name in SHOPS))
        s.run(0, "shell", "-c", f"from apps.tenancy.services import shop_create\n{code}")
        seen["provisioned_states"] = s.states()
        seen["blueprint_states"] = [state for (state,) in s.sql("SELECT state FROM tenancy_schemablueprint")]

        # 1. A new model: replayed, post_migrate's rows from the template.
        seen["step1"] = s.run(1, "migrate_shops").stdout
        seen["permissions_up_a"] = s.sql("SELECT codename FROM up_a.auth_permission WHERE codename LIKE '%%probe'")
        seen["roles"] = {schema: set(s.sql(ROLES.format(schema=schema))) for schema in ("zargar_template", "up_a")}
        before = s.states()
        seen["step1_again"] = s.run(1, "migrate_shops").stdout
        seen["states_unchanged_by_rerun"] = (before, s.states())

        # 2. A column and an index, replayed; up_c already has a column of that
        #    name, so its transaction fails and leaves it as it was.
        s.sql("ALTER TABLE up_c.upgrade_probe_probe ADD COLUMN weight integer")
        seen["step2_failed"], seen["peak_backends"] = s.peak_backends_during(
            lambda: s.run(2, "migrate_shops", "--connections", str(WORKERS), check=False))
        seen["up_c_after_failure"] = (s.history("up_c"), s.probe_shape("up_c"))
        seen["history_up_a_first"] = s.history("up_a")
        s.sql("ALTER TABLE up_c.upgrade_probe_probe DROP COLUMN weight")
        seen["step2_resumed"] = s.run(2, "migrate_shops", "--connections", str(WORKERS)).stdout
        seen["history_up_a_after_resume"] = s.history("up_a")
        seen["shapes"] = {schema: s.probe_shape(schema) for schema in ["zargar_template", *SHOPS]}
        seen["histories"] = {schema: set(s.history(schema)) for schema in ["zargar_template", *SHOPS]}
        seen["states_after_step2"] = s.states()

        # 3. Plain migrate_schemas brings up_b to step 3 first (its record goes
        #    stale); then migrate_shops runs the RunPython on the others.
        s.run(3, "migrate_schemas", "--schema", "up_b")
        seen["step3"] = s.run(3, "migrate_shops").stdout
        seen["filled"] = {schema: s.sql(f"SELECT count(*) FROM {schema}.upgrade_probe_probe WHERE name = 'filled'")[0][0]
                          for schema in ["zargar_template", *SHOPS]}
        seen["states_after_step3"] = s.states()

        # 4. Killed after the first shop committed, then run again.
        seen["killed_after"] = s.kill_after_first_commit(4, "0004_probe_grams")
        seen["after_kill"] = {schema: s.grams_done(schema) for schema in SHOPS}
        seen["history_after_kill"] = {schema: s.history(schema) for schema in SHOPS}
        seen["step4_resumed"] = s.run(4, "migrate_shops").stdout
        seen["after_resume"] = {schema: s.grams_done(schema) for schema in SHOPS}
        seen["history_after_resume"] = {schema: s.history(schema) for schema in SHOPS}
        yield s
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def test_provisioned_shops_are_recorded_at_the_templates_state(story):
    states = story.seen["provisioned_states"]
    assert {s: states[s][0] for s in SHOPS} == {s: states["zargar_template"][0] for s in SHOPS}
    # One key for one template state: the blueprint's and the record's.
    assert story.seen["blueprint_states"] == [states["zargar_template"][0]]


def test_new_model_is_replayed_with_the_templates_permissions_and_roles(story):
    out = story.seen["step1"]
    assert "4 shop schemas to check" in out
    assert "4 schemas at state" in out and "1 migrations, replayed as SQL" in out
    assert "4 replayed, 0 by Django's executor, 0 by Django's migrate" in out
    assert {c for (c,) in story.seen["permissions_up_a"]} == {"add_probe", "change_probe", "delete_probe", "view_probe"}
    roles = story.seen["roles"]
    assert ("manager", "upgrade_probe", "view_probe") in roles["zargar_template"]  # roles_sync ran there
    assert roles["up_a"] == roles["zargar_template"]


def test_up_to_date_shops_are_skipped_by_the_one_query(story):
    out = story.seen["step1_again"]
    assert "0 shop schemas to check" in out
    assert "0 replayed, 0 by Django's executor, 0 by Django's migrate" in out
    before, after = story.seen["states_unchanged_by_rerun"]
    assert before == after  # not even their records were rewritten


def test_a_failing_shop_is_reported_and_leaves_it_untouched_while_the_others_finish(story):
    failed = story.seen["step2_failed"]
    assert failed.returncode != 0
    assert "up_c:" in failed.stderr and "weight" in failed.stderr
    assert "3 replayed, 0 by Django's executor, 0 by Django's migrate, 0 already up to date, 1 failed" in failed.stdout
    history, (_columns, indexes) = story.seen["up_c_after_failure"]
    assert ("upgrade_probe", "0002_probe_weight") not in history
    assert [name for name, *_ in indexes] == ["upgrade_probe_probe_pkey"]
    assert ("upgrade_probe", "0002_probe_weight") in story.seen["history_up_a_first"]


def test_a_rerun_finishes_the_rest_and_redoes_nothing(story):
    out = story.seen["step2_resumed"]
    assert "1 shop schemas to check" in out
    assert "1 replayed, 0 by Django's executor, 0 by Django's migrate" in out
    assert story.seen["history_up_a_after_resume"] == story.seen["history_up_a_first"]  # same rows, same times


def test_replayed_schemas_match_a_normal_migrate(story):
    shapes, histories = story.seen["shapes"], story.seen["histories"]
    template = shapes["zargar_template"]  # migrated by Django's migrate_schemas
    assert ("weight", "numeric", 10, 3, "NO", None) in template[0]
    assert ("probe_weight_idx", "CREATE INDEX probe_weight_idx ON S.upgrade_probe_probe USING btree (weight)") in template[1]
    for schema in SHOPS:
        assert shapes[schema] == template, schema
        assert histories[schema] == histories["zargar_template"], schema
    states = story.seen["states_after_step2"]
    assert len({states[s][0] for s in ["zargar_template", *SHOPS]}) == 1


def test_connections_stay_within_the_bound(story):
    peak = story.seen["peak_backends"]
    assert peak <= WORKERS + 2  # workers, the command's own, the lock's
    assert peak >= WORKERS + 1  # the workers did overlap


def test_run_python_goes_through_djangos_executor_and_a_schema_migrated_by_hand_is_rechecked_not_redone(story):
    out = story.seen["step3"]
    assert "4 shop schemas to check" in out
    assert "1 were already up to date (recorded)" in out
    assert "Django's executor (upgrade_probe.0003_probe_fill: RunPython)" in out
    assert "0 replayed, 3 by Django's executor, 0 by Django's migrate, 1 already up to date, 0 failed" in out
    assert story.seen["filled"] == {schema: 1 for schema in ["zargar_template", *SHOPS]}
    states = story.seen["states_after_step3"]
    assert len({states[s][0] for s in ["zargar_template", *SHOPS]}) == 1


def test_a_killed_run_leaves_each_shop_done_or_untouched_and_the_rerun_does_the_rest(story):
    seen = story.seen
    assert 1 <= seen["killed_after"] < len(SHOPS)
    after_kill = seen["after_kill"]
    done = [schema for schema, state in after_kill.items() if state == (True, True, True)]
    untouched = [schema for schema, state in after_kill.items() if state == (False, False, False)]
    assert sorted(done + untouched) == sorted(SHOPS)  # nothing half-done
    assert done and untouched
    out = seen["step4_resumed"]
    assert f"{len(untouched)} shop schemas to check" in out
    assert f"{len(untouched)} replayed, 0 by Django's executor, 0 by Django's migrate" in out
    assert set(seen["after_resume"].values()) == {(True, True, True)}
    for schema in done:  # not redone: the same rows with the same times
        assert seen["history_after_resume"][schema] == seen["history_after_kill"][schema]
