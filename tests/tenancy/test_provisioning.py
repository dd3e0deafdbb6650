import subprocess
import sys
import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from apps.accounts.models import Role, User
from apps.branches.models import Branch
from apps.core.errors import ApplicationError
from apps.tenancy import services
from apps.tenancy.models import Domain, Tenant
from apps.tenancy.services import shop_create
from tests.conftest import PASSWORD, child_env, drop_shops_committed


def test_create_shop_clones_the_template_with_owner_and_main_branch(db):
    shop = shop_create(name="Golden Rose", domain="GoldenRose.localhost", owner_email="Owner@Example.com", owner_password=PASSWORD)

    tenant = shop.tenant
    assert tenant.schema_name == "goldenrose"
    assert Domain.objects.get(domain="goldenrose.localhost").tenant == tenant
    assert shop.seconds > 0  # measured and reported; `make bench` tracks the figure
    with tenant:
        owner = User.objects.get()
        assert owner.email == "owner@example.com"
        assert owner.role == Role.OWNER
        assert owner.has_perm("accounts.manage_shop")
        assert list(Branch.objects.values_list("name", flat=True)) == ["شعبه مرکزی"]  # a Persian shop's
    # Cloned, not migrated: the migration history is the template's, row for
    # row and timestamp for timestamp; a fresh migrate would stamp new times.
    with connection.cursor() as cursor:
        history = "SELECT app, name, applied FROM {}.django_migrations ORDER BY app, name"
        cursor.execute(history.format("zargar_template"))
        template_history = cursor.fetchall()
        cursor.execute(history.format(tenant.schema_name))
        assert cursor.fetchall() == template_history
        assert len(template_history) > 10


def test_same_domain_twice_is_an_error_that_changes_nothing(shop_a):
    before = (Tenant.objects.count(), Domain.objects.count())
    with pytest.raises(ApplicationError) as err:
        shop_create(name="Copy", domain="shop-a.localhost", owner_email="x@example.com", owner_password=PASSWORD)
    assert err.value.code == "domain_taken"
    assert (Tenant.objects.count(), Domain.objects.count()) == before


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("domain", {"domain": "not a host!"}),
        ("owner_email", {"owner_email": "nobody"}),
        ("owner_password", {"owner_password": "123"}),
        ("name", {"name": "  "}),
    ],
)
def test_bad_input_is_refused_before_anything_is_made(db, field, kwargs):
    args = {"name": "Shop", "domain": "fresh.localhost", "owner_email": "o@example.com", "owner_password": PASSWORD} | kwargs
    with pytest.raises(ApplicationError) as err:
        shop_create(**args)
    assert err.value.code == "invalid_shop"
    assert field in {d["field"] for d in err.value.details}
    assert not Domain.objects.filter(domain=args["domain"].strip().lower()).exists()
    assert not schema_exists("fresh")


def test_failure_in_the_middle_leaves_no_half_made_shop(db, monkeypatch):
    """The owner and branch steps come after the schema is cloned: a crash
    there must take the schema, the tenant and the domain with it."""

    def crash(**kwargs):
        raise RuntimeError("disk full while creating the first branch")

    monkeypatch.setattr(services, "branch_create", crash)
    with pytest.raises(RuntimeError):
        shop_create(name="Half", domain="half.localhost", owner_email="o@example.com", owner_password=PASSWORD)

    assert not Tenant.objects.filter(schema_name="half").exists()
    assert not Domain.objects.filter(domain="half.localhost").exists()
    assert not schema_exists("half")


def test_create_shop_command_prints_schema_last_and_refuses_a_repeat(db):
    # The command runs in its own process and commits, like an operator's.
    env = child_env()
    args = [sys.executable, "manage.py", "create_shop", "--name", "Command Shop", "--domain", "cmd.localhost",
            "--owner-email", "owner@cmd.test", "--owner-password", PASSWORD]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    try:
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip().splitlines()[-1] == "cmd"
        assert " s." in first.stdout  # the time it took is printed

        again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode != 0
        assert "domain_taken" in again.stderr
        assert Tenant.objects.filter(domains__domain="cmd.localhost").count() == 1
    finally:
        drop_shops_committed(schema_name="cmd")


def test_suspend_and_reactivate_commands(shop_a):
    from django.core.management import call_command

    call_command("suspend_shop", shop="shop-a.localhost")
    shop_a.refresh_from_db()
    assert shop_a.status == Tenant.Status.SUSPENDED
    call_command("reactivate_shop", shop=shop_a.schema_name)
    shop_a.refresh_from_db()
    assert shop_a.status == Tenant.Status.ACTIVE


def test_concurrent_creation_of_one_domain_gives_one_shop(django_db_blocker, db):
    """Two operators race for the same domain: exactly one shop results."""
    from django.db import connections

    results = []

    def create():
        try:
            shop_create(name="Race", domain="race.localhost", owner_email="o@race.test", owner_password=PASSWORD)
            results.append("ok")
        except Exception as exc:  # the loser's error, whatever layer raised it
            results.append(exc)
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=create) for _ in range(2)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert results.count("ok") == 1, results
            assert Domain.objects.filter(domain="race.localhost").count() == 1
            leftovers = [s for s in ("race", "race_2") if schema_exists(s)]
            assert len(leftovers) == 1, leftovers
        finally:
            drop_shops_committed(schema_name__startswith="race")
    assert not schema_exists("race") and not schema_exists("race_2")


# What a new shop's schema must share with the template, object for object
# (the schema's own name stripped). CHECK expressions are compared by what
# they constrain, not by their text: PostgreSQL's deparse of a re-parsed
# expression may place casts differently (ARRAY[...]::text[]); columns by
# name, since the template's dropped columns leave gaps in its numbering.
_CATALOG = {
    "relations": "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
    "columns": """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                         pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
    "constraints": """SELECT t.relname, c.conname, c.contype, f.relname, c.condeferrable, c.condeferred,
                             ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey)
                                   ORDER BY array_position(c.conkey, attnum)),
                             ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = ANY(c.confkey)
                                   ORDER BY array_position(c.confkey, attnum)),
                             CASE WHEN c.contype = 'c' THEN '' ELSE pg_get_constraintdef(c.oid) END
                      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                      LEFT JOIN pg_class f ON f.oid = c.confrelid WHERE n.nspname = %s""",
    "triggers": """SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal""",
    "functions": "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s",
    "sequences": "SELECT sequencename, increment_by FROM pg_sequences WHERE schemaname = %s",
    # The template's own rows go on counting where the template's do.
    "positions": """SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s
                    AND sequencename IN ('django_migrations_id_seq', 'django_content_type_id_seq', 'auth_permission_id_seq')""",
    "history": "SELECT app, name, applied FROM {schema}.django_migrations",
    "roles": "SELECT g.name, count(*) FROM {schema}.auth_group g JOIN {schema}.auth_group_permissions p ON p.group_id = g.id GROUP BY 1",
}


def _catalog(schema: str) -> dict:
    found = {}
    with connection.cursor() as cursor:
        for part, query in _CATALOG.items():
            if "{schema}" in query:
                cursor.execute(query.format(schema=schema))
            else:
                cursor.execute(query, [schema])
            rows = [tuple(v.replace(f"{schema}.", "") if isinstance(v, str) else v for v in row) for row in cursor.fetchall()]
            found[part] = sorted(rows, key=repr)
    return found


def test_new_shop_schema_is_the_templates_object_for_object(shop_a):
    """Migrations alter constraints and indexes by name, triggers stamp sync
    change numbers, the history says what is applied: a shop's schema must be
    the template's in every one of them."""
    template, shop = _catalog("zargar_template"), _catalog(shop_a.schema_name)
    for part in _CATALOG:
        assert shop[part] == template[part], part
    assert len(template["relations"]) > 100 and len(template["triggers"]) >= 4 and template["functions"]
    assert any(name == "branches_terminal_number_unique" for _, name, *_ in template["constraints"])
    assert {name for name, _ in template["roles"]} == {"owner", "manager", "cashier"}


def test_the_blueprint_follows_the_templates_migration_state(db):
    """A migration of the template (a row in its history) makes the next shop
    come from a new blueprint, and the old one is dropped."""
    from apps.tenancy.blueprint import blueprint_refresh, template_state
    from apps.tenancy.models import SchemaBlueprint

    before = blueprint_refresh()
    assert before.state == template_state() and "CREATE TABLE zargar_template.sales_sale" in before.ddl
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO zargar_template.django_migrations (app, name, applied) VALUES ('tenancy', '9999_later', now())")
    assert template_state() != before.state

    shop = shop_create(name="After", domain="after.localhost", owner_email="o@after.test", owner_password=PASSWORD).tenant
    assert list(SchemaBlueprint.objects.values_list("state", flat=True)) == [template_state()]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {shop.schema_name}.django_migrations WHERE name = '9999_later'")
        assert cursor.fetchone()[0] == 1


def test_an_english_shops_first_branch_is_main(db):
    shop = shop_create(name="Gold Lane", domain="goldlane.localhost", owner_email="o@goldlane.test", owner_password=PASSWORD,
                       language="en").tenant
    with shop:
        assert list(Branch.objects.values_list("name", flat=True)) == ["Main"]
