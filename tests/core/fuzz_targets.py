"""What the input fuzz test (test_fuzz_inputs.py) walks, found rather than
listed: every operation of the OpenAPI schema the app serves, with a body
made from its request schema; every staff page of config/urls_staff.py and
every form those pages render (fields, defaults and limits read from the
HTML). Plus the one oracle the test needs: a checksum of shop A's tables."""
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone as dt_timezone
from html.parser import HTMLParser

from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

# Shop tables whose rows a refused request may legitimately touch: axes
# counts failed logins (that is its job), and the session holds a signed-in
# user and the counter's cart, a draft, not a saved record.
CHECKSUM_EXCLUDED = {"axes_accessattempt", "axes_accesslog", "axes_accessfailurelog", "django_session"}
# A POS push answers a bad operation `rejected` and records that (the
# protocol: the queue moves on, a manager reviews it): these change, nothing else.
PUSH_BOOKKEEPING = {"pos_sync_operation", "pos_sync_reviewitem", "pos_sync_device"}


def shop_checksum(excluded: set = frozenset()) -> dict:
    """{table: md5 of all its rows} for the current shop schema, in one query."""
    schema = connection.schema_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'", [schema])
        tables = sorted(name for (name,) in cursor.fetchall() if name not in CHECKSUM_EXCLUDED | set(excluded))
        parts = [
            f"SELECT '{name}', count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') "
            f'FROM "{schema}"."{name}" t'
            for name in tables
        ]
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


# --------------------------------------------------------------------------
# The API, from its schema
# --------------------------------------------------------------------------


@dataclass
class ApiOperation:
    method: str
    path: str  # the template, /api/v1/items/{item_id}/
    parameters: list[dict]
    body_schema: dict | None

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


def served_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def api_operations(schema: dict) -> list[ApiOperation]:
    out = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            out.append(ApiOperation(method, path, operation.get("parameters", []), body))
    return out


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node or ("allOf" in node and len(node["allOf"]) == 1):
        if "$ref" in node:
            node = {**schema["components"]["schemas"][node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        else:
            inner = node["allOf"][0]
            node = {**{k: v for k, v in node.items() if k != "allOf"}, **resolve(schema, inner)}
    return node


# Values that make a request valid where a name says what it is; the rest
# come from the field's type. Ids are filled from the world by name.
OMIT = object()  # the field is left out (its default is what is plausible)
NAMED_EXAMPLES = {
    "email": "fuzz@shop-a.test", "phone": "09121110000", "password": "not-the-password", "fineness": 750,
    "base_rate": "8000000", "base_fineness": 750, "gross_weight": "5.000", "stone_weight": "0", "sku": "FUZZ-1",
    "barcode": None, "method": "cash", "amount": "1", "quantity": 1, "new_quantity": 0, "weight": "1.000",
    "refresh": "not-a-token", "fixed_price": None, "rate": None, "making_value": "10",
    "pure_rate": None, "explicit_rates": [], "occurred_at": OMIT, "effective_at": OMIT, "parent_id": None,
}


def example(schema: dict, node: dict, name: str, ids: dict):
    """A plausible value for one field of a request body."""
    node = resolve(schema, node)
    if name in ids:
        return ids[name]
    if name in NAMED_EXAMPLES:
        return NAMED_EXAMPLES[name]
    if "enum" in node:
        return node["enum"][0]
    if "oneOf" in node:  # a decimal as a string or a whole number: the first form
        return example(schema, node["oneOf"][0], name, ids)
    kind, fmt = node.get("type"), node.get("format")
    if kind == "object":
        values = {key: example(schema, sub, key, ids) for key, sub in node.get("properties", {}).items() if not sub.get("readOnly")}
        return {key: value for key, value in values.items() if value is not OMIT}
    if kind == "array":
        return [example(schema, node["items"], name, ids)] if "items" in node else []
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if fmt == "uuid":
        return None if node.get("nullable") else str(uuid.uuid4())
    if fmt == "decimal":
        return "1"
    if fmt == "date":
        return date.today().isoformat()
    if fmt == "date-time":
        return datetime.now(dt_timezone.utc).isoformat()
    return "fuzz"


@dataclass(frozen=True)
class Leaf:
    path: tuple  # keys and indexes into the body
    node: dict  # the field's schema, resolved ({} when the schema says nothing)
    value: object  # the plausible value it had

    @property
    def name(self) -> str:
        return ".".join(str(part) for part in self.path)


def leaves(schema: dict, node: dict, value, path: tuple = ()) -> list[Leaf]:
    """Every scalar of a body made by `example`, with its schema."""
    node = resolve(schema, node)
    if isinstance(value, dict):
        props = node.get("properties", {})
        return [leaf for key, sub in value.items() for leaf in leaves(schema, props.get(key, {}), sub, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, sub in enumerate(value) for leaf in leaves(schema, node.get("items", {}), sub, (*path, index))]
    return [Leaf(path, node, value)]


def with_value(body, path: tuple, value):
    """A copy of body with the value at path replaced."""
    body = json.loads(json.dumps(body))
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


# --------------------------------------------------------------------------
# The staff pages, from the URL resolver and the HTML they render
# --------------------------------------------------------------------------


def staff_url_patterns() -> list[tuple[str, str]]:
    """(route, name) of every staff page, converters left in the route."""
    from config import urls_staff

    out = []
    for pattern in urls_staff.urlpatterns:
        assert isinstance(pattern, URLPattern) and not isinstance(pattern, URLResolver), pattern
        out.append(("/" + str(pattern.pattern), pattern.name))
    assert get_resolver()  # the tenant urlconf includes these at ""
    return out


def fill_route(route: str, ids: dict) -> str:
    """/inventory/<uuid:item_id>/ -> /inventory/<the world's ring>/"""
    def value(match):
        converter, name = match.group(1), match.group(2)
        if name in ids:
            return str(ids[name])
        return {"int": "0", "slug": "daily"}.get(converter, str(uuid.uuid4()))

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@dataclass
class FormField:
    name: str
    value: str
    numeric: bool  # typed as a number: gets huge numbers, not only text
    max_length: int | None


@dataclass
class Form:
    method: str
    action: str
    fields: dict = field(default_factory=dict)  # name -> FormField

    def base(self) -> dict:
        return {name: f.value for name, f in self.fields.items()}


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__()
        self.page_path, self.forms, self.form, self.select = page_path, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = Form(method=(attrs.get("method") or "get").lower(), action=attrs.get("action") or self.page_path)
            self.forms.append(self.form)
        elif self.form is None or not attrs.get("name") or attrs["name"] == "csrfmiddlewaretoken":
            return
        elif tag in ("input", "textarea"):
            if attrs.get("type") in ("submit", "button", "checkbox", "radio") and attrs["name"] in self.form.fields:
                return
            numeric = attrs.get("type") == "number" or attrs.get("inputmode") in ("decimal", "numeric")
            length = int(attrs["maxlength"]) if (attrs.get("maxlength") or "").isdigit() else None
            self.form.fields[attrs["name"]] = FormField(attrs["name"], attrs.get("value") or "", numeric, length)
        elif tag == "select":
            self.select = FormField(attrs["name"], "", False, None)
            self.form.fields[attrs["name"]] = self.select
        elif tag == "option" and self.select is not None and (not self.select.value or "selected" in attrs):
            self.select.value = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def page_forms(page_path: str, html: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms
