"""
The OpenAPI schema: generated without a warning, valid OpenAPI 3, every
operation documented; and Schemathesis drives every staff API operation
from it, through the Django app's WSGI interface on shop A's host with an
owner's JWT: a bounded, deterministic number of examples per operation,
no 5xx, every response as the schema says (status, content type, headers,
body).
"""
import json
import subprocess
import sys
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import SHOPS, child_env
from tests.helpers import staff_client

EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


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
    assert len(operations) == 32
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
# Schemathesis: one test per staff operation, generated from the schema the
# app serves (built here at collection time, without a database, by the same
# generator; a test checks the served one is the same).
# --------------------------------------------------------------------------


def generated_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    # Through JSON, as a client receives it (enums, lazy strings, decimals).
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


STAFF_API = schemathesis.openapi.from_dict(
    generated_schema(),
    config=SchemathesisConfig.from_dict({"generation": {"mode": "positive", "deterministic": True, "database": "none"}}),
).include(path_regex=r"^/api/v1/")
STAFF_API.app = get_wsgi_application()
OPERATIONS = [result.ok() for result in STAFF_API.get_all_operations()]


def test_schemathesis_drives_the_schema_the_app_serves(shop_a):
    assert fetch_schema() == generated_schema()
    assert len(OPERATIONS) == 32


@contextmanager
def same_connection_for_every_request():
    """Django closes the connection after a request; the test client stops
    it (the test's transaction lives on it), and so must we for the WSGI app.
    (Any test client request reconnects the signal when it ends, so nothing
    inside may use one.)"""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{o.method.upper()} {o.path}" for o in OPERATIONS])
def test_operation_conforms_to_the_schema(world, operation):
    """Ids in paths are the world's own records, so generated bodies reach
    real items, customers and sales (unknown ids are the BOLA tests' job)."""
    token = staff_client("a", "owner")._credentials["HTTP_AUTHORIZATION"]
    known = {"item_id": world.ring_id, "customer_id": world.customer_id, "sale_id": world.sale_id, "terminal_id": world.terminal_id}
    path_parameters = {parameter.name: str(known[parameter.name]) for parameter in operation.path_parameters}

    @given(case=operation.as_strategy(path_parameters=path_parameters or None))
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def call(case):
        case.call_and_validate(base_url=f"http://{SHOPS['a']['domain']}", headers={"Authorization": token}, checks=CHECKS)

    with same_connection_for_every_request():
        call()
