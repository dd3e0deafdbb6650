"""Renaming a schema in pg_dump's plain SQL: qualifiers and SCHEMA clauses
change; COPY rows (a shop's data) and other schemas' names never do."""
from apps.tenancy.schema_sql import schema_renamed

DUMP = """CREATE SCHEMA shop_a;
COMMENT ON SCHEMA shop_a IS 'x';
CREATE TABLE shop_a.sales_sale (
    id bigint DEFAULT nextval('shop_a.sales_sale_id_seq'::regclass) NOT NULL
);
CREATE TABLE shop_ab.other (id bigint);
CREATE TRIGGER t BEFORE INSERT ON "shop_a".sales_sale FOR EACH ROW EXECUTE FUNCTION shop_a.stamp();
COPY shop_a.sales_sale (id, note) FROM stdin;
1\tshop_a.sales_sale is the table
2\tCREATE SCHEMA shop_a;
\\.
SELECT pg_catalog.setval('shop_a.sales_sale_id_seq', 2, true);
"""


def test_qualifiers_and_schema_clauses_follow_the_new_name():
    renamed = schema_renamed(DUMP, old="shop_a", new="shop_c")
    assert 'CREATE SCHEMA "shop_c";' in renamed
    assert 'COMMENT ON SCHEMA "shop_c" IS' in renamed
    assert 'CREATE TABLE "shop_c".sales_sale' in renamed
    assert "nextval('\"shop_c\".sales_sale_id_seq'::regclass)" in renamed
    assert 'ON "shop_c".sales_sale FOR EACH ROW EXECUTE FUNCTION "shop_c".stamp()' in renamed
    assert 'COPY "shop_c".sales_sale (id, note) FROM stdin;' in renamed
    assert "setval('\"shop_c\".sales_sale_id_seq', 2, true)" in renamed


def test_rows_and_other_schemas_are_left_alone():
    renamed = schema_renamed(DUMP, old="shop_a", new="shop_c")
    assert "CREATE TABLE shop_ab.other" in renamed  # a longer name that starts alike
    assert "1\tshop_a.sales_sale is the table\n2\tCREATE SCHEMA shop_a;\n\\.\n" in renamed
    assert "shop_a" not in renamed.replace("shop_ab", "").split("COPY")[0]


def test_a_name_that_needs_quotes():
    assert schema_renamed('CREATE TABLE "user".t (id int);', old="user", new='we"ird') == 'CREATE TABLE "we""ird".t (id int);'


def test_dump_apply_runs_statements_and_copies_rows_as_written(db):
    """pg_dump's plain SQL without psql: COPY rows reach the table exactly
    (tabs, escapes, a row that looks like a statement), session settings are
    not applied to the application's connection."""
    from django.db import connection

    from apps.tenancy.schema_sql import dump_apply

    dump = (
        "SET statement_timeout = 0;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n"
        "CREATE SCHEMA dump_apply_t;\n"
        "CREATE TABLE dump_apply_t.notes (id integer, body text);\n"
        "-- Data\n"
        "COPY dump_apply_t.notes (id, body) FROM stdin;\n"
        "1\tSET search_path = ''\n"
        "2\ttab\\there, back\\\\slash\n"
        "3\t\\N\n"
        "\\.\n"
        "COPY dump_apply_t.notes (id, body) FROM stdin;\n"
        "\\.\n"
        "CREATE INDEX notes_id ON dump_apply_t.notes (id);\n"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        path = cursor.fetchone()[0]
        dump_apply(cursor, dump)
        cursor.execute("SELECT id, body FROM dump_apply_t.notes ORDER BY id")
        assert cursor.fetchall() == [(1, "SET search_path = ''"), (2, "tab\there, back\\slash"), (3, None)]
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'dump_apply_t'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == path
