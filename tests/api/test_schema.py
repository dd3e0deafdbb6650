"""
The OpenAPI schema: generated without a warning, valid OpenAPI 3, every
operation documented; and Schemathesis' command line with every check
(`st run --checks all`) finds nothing over the whole API, staff and POS:
the schema and the API agree on what is accepted, refused and answered.
"""
import subprocess
import sys

import pytest
import requests
from drf_spectacular.validation import validate_schema

from tests.api.schemathesis_cli import fuzz_shop_seed, st_run
from tests.conftest import child_env
from tests.helpers import staff_client


def fetch_schema() -> dict:
    response = staff_client("a", None).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_generates_without_warnings_and_validates():
    done = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        env=child_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stderr and "Error" not in done.stderr, done.stderr


def test_served_schema_is_valid_openapi_3(shop_a):
    schema = fetch_schema()
    validate_schema(schema)  # raises on any violation of the OpenAPI 3.0 JSON schema
    assert schema["openapi"].startswith("3.")


def staff_operations(schema: dict):
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in operations.items():
                yield method, path, operation


def test_every_staff_operation_is_documented(shop_a):
    schema = fetch_schema()
    operations = list(staff_operations(schema))
    assert len(operations) == 52  # 32, the staff API (5), customer merge and deactivate (2), the workshop (13)
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("description") and "APIView" not in operation["description"], where
        assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), where
        assert any(code.startswith("2") for code in operation["responses"]), where
        for parameter in operation.get("parameters", []):
            assert parameter.get("schema"), (where, parameter["name"])
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "post" and not path.startswith("/api/v1/auth/"):
            assert "Idempotency-Key" in headers, where


def test_list_operations_document_pages_and_return_them(shop_a):
    schema = fetch_schema()
    for method, path, operation in staff_operations(schema):
        ref = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
        if ref.split("/")[-1].startswith("Paginated"):
            assert {"page", "page_size"} <= {p["name"] for p in operation["parameters"]}, path


# --------------------------------------------------------------------------
# Schemathesis' command line, `st run --checks all`, over the whole API as
# an outsider drives it: the app served over HTTP, a shop of its own
# (committed, dropped at the end), the staff operations with an owner's JWT
# and the POS operations with a real enrolled device's token. Every phase
# (coverage, fuzzing, stateful) and every check, a bounded and seeded number
# of examples per operation. The two rules a schema cannot state (a new
# Idempotency-Key per request, a push in seq order) are followed as a real
# client follows them (tests/api/schemathesis_hooks.py); 413 counts as a
# refusal and enrolment may refuse an unknown code, as explained in
# tests/api/schemathesis_cli.py. Nothing else is relaxed.
# --------------------------------------------------------------------------

FUZZ_DOMAIN = "schemathesis.localhost"
EXAMPLES_PER_OPERATION = 5
SEED = 20261201


@pytest.fixture(scope="module")
def fuzz_shop(http_server, django_db_blocker):
    from apps.tenancy.services import shop_create
    from tests.conftest import drop_shops_committed, in_shop, run_committed
    from tests.helpers import PASSWORD

    owner = "owner@schemathesis.test"
    with django_db_blocker.unblock():
        drop_shops_committed(domains__domain=FUZZ_DOMAIN)  # a run killed half-way
        tenant = run_committed(lambda: shop_create(name="Schemathesis", domain=FUZZ_DOMAIN, owner_email=owner,
                                                   owner_password=PASSWORD).tenant)
        try:
            seeded = in_shop(tenant, fuzz_shop_seed, owner)
            login = requests.post(f"http://127.0.0.1:{http_server}/api/v1/auth/token/", headers={"Host": FUZZ_DOMAIN},
                                  json={"email": owner, "password": PASSWORD}, timeout=30)
            assert login.status_code == 200, login.text
            yield http_server, seeded, login.json()["access"]
        finally:
            drop_shops_committed(schema_name=tenant.schema_name)


def schemathesis_run(fuzz_shop, tmp_path, *, path_regex: str, authorization: str) -> tuple[dict, str]:
    port, seeded, _ = fuzz_shop
    return st_run(schema_url=f"http://127.0.0.1:{port}/api/schema/?format=json", host=FUZZ_DOMAIN,
                  authorization=authorization, path_regex=path_regex, parameters=seeded.parameters,
                  references=seeded.references,
                  report_dir=tmp_path, max_examples=EXAMPLES_PER_OPERATION, seed=SEED)


def assert_clean(report: dict, output: str, operations: int) -> None:
    assert report["complete"] and report["stop_reason"] == "completed", output[-4000:]
    assert report["operations"]["tested"] == operations and report["operations"]["errored"] == 0, output[-4000:]
    assert report["failures"] == [] and report["errors"] == [], output[-20000:]
    assert report["test_cases"]["generated"] >= 20 * operations, report["test_cases"]


def test_pos_api_passes_every_schemathesis_check(fuzz_shop, tmp_path):
    _, seeded, _ = fuzz_shop
    report, output = schemathesis_run(fuzz_shop, tmp_path, path_regex=r"^/api/pos/v1/",
                                      authorization=f"Device {seeded.device_token}")
    assert_clean(report, output, operations=4)


def test_staff_api_passes_every_schemathesis_check(fuzz_shop, tmp_path):
    _, _, access = fuzz_shop
    report, output = schemathesis_run(fuzz_shop, tmp_path, path_regex=r"^/api/v1/", authorization=f"Bearer {access}")
    assert_clean(report, output, operations=52)
