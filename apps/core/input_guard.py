"""
Input no part of the application can store, refused at the door.

PostgreSQL text cannot hold a NUL character, and a lone UTF-16 surrogate
(which JSON's `\\ud800` escape can produce) cannot be encoded for it at all:
either one reaching a query is a database error, i.e. a 500, wherever it
arrives. Rather than teach every view and form, one middleware refuses a
request carrying NUL in its path, query string, headers or form fields (400
`invalid_characters`), and a body over DATA_UPLOAD_MAX_MEMORY_SIZE before
anything reads it (413 `payload_too_large`). JSON bodies are checked with
`unstorable` by apps.core.parsers (the API) and apps.pos_sync.envelope (the
POS push), which also refuse numbers no column holds.
"""
import math

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape

from apps.core.errors import error_response

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
INVALID_CHARACTERS = "The request contains characters that cannot be stored (NUL or a lone surrogate)."


def text_is_storable(text: str) -> bool:
    """False for text PostgreSQL refuses: a NUL, or a lone surrogate."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class UnstorableNumber(str):
    """A JSON number no column holds (1e400, NaN, Infinity, an integer past
    64 bits), kept as the text that was sent so it can be named and stored."""


INT64_MAX = 2**63 - 1


def _float(text: str):
    number = float(text)
    return UnstorableNumber(text) if math.isinf(number) else number


def _int(text: str):
    number = int(text)
    return UnstorableNumber(text) if abs(number) > INT64_MAX else number


# json.loads(text, **JSON_HOOKS): numbers out of range become UnstorableNumber.
JSON_HOOKS = {"parse_constant": UnstorableNumber, "parse_float": _float, "parse_int": _int}


def unstorable(data, path: str = "", *, numbers: bool = True) -> tuple[str, str] | None:
    """(where, code) of the first value in parsed JSON that cannot be stored:
    `invalid_characters` for a string or key with a NUL or a lone surrogate,
    `number_out_of_range` for an UnstorableNumber (unless `numbers` is
    False); None if all is well.
    `where` is a dotted path ("" for the top). Iterative: nesting depth is
    bounded by the parser, not by this walk."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, UnstorableNumber):
            if numbers:
                return where, "number_out_of_range"
        elif isinstance(value, str):
            if not text_is_storable(value):
                return where, "invalid_characters"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if not text_is_storable(key):
                    return _storable(name), "invalid_characters"
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return None


def _storable(text: str) -> str:
    if text_is_storable(text):
        return str(text)
    return "".join("\ufffd" if char == "\x00" or "\ud800" <= char <= "\udfff" else char for char in text)


def storable_copy(data):
    """Parsed JSON with every NUL and lone surrogate replaced by U+FFFD: what
    was sent, kept for a person to read (iterative, like `unstorable`)."""
    root = [data]
    stack = [(root, 0)]
    while stack:
        container, key = stack.pop()
        value = container[key]
        if isinstance(value, str):  # an UnstorableNumber included: its text
            container[key] = _storable(value)
        elif isinstance(value, dict):
            container[key] = copy = {_storable(name): item for name, item in value.items()}
            stack.extend((copy, name) for name in copy)
        elif isinstance(value, list):
            container[key] = copy = list(value)
            stack.extend((copy, index) for index in range(len(copy)))
    return root[0]


def refusal(request, status: int, code: str, message: str) -> HttpResponse:
    """The error in the one JSON shape under /api/, a short page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(code, message, status=status)
    title = "Request too large" if status == 413 else "Bad request"
    return HttpResponse(
        f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(message)}</p><!-- error code: {code} -->",
        status=status,
    )


def _too_large(request) -> bool:
    length = request.META.get("CONTENT_LENGTH") or ""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and length.isdigit() and int(length) > limit


def _unstorable_part(request) -> str | None:
    """The part of the request (path, a parameter, a header) with a NUL, or None."""
    if not text_is_storable(request.path):
        return "path"
    for key, values in request.GET.lists():
        if not all(map(text_is_storable, [key, *values])):
            return f"query parameter {key!r}"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            return f"header {key[5:].replace('_', '-').title()}"
    return None


def _unstorable_field(request) -> str | None:
    """A form field (of a page: the API reads JSON only) with a NUL, or None."""
    if request.method != "POST" or request.path.startswith("/api/") or not request.content_type.startswith(FORM_TYPES):
        return None
    for key, values in request.POST.lists():
        if not all(map(text_is_storable, [key, *values])):
            return f"field {key!r}"
    for key, files in request.FILES.lists():
        if not all(text_is_storable(upload.name or "") for upload in files):
            return f"file {key!r}"
    return None


class InputGuardMiddleware:
    """First in MIDDLEWARE: nothing before it reads the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _too_large(request):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return refusal(request, 413, "payload_too_large", f"The body is over {limit} bytes.")
        try:
            part = _unstorable_part(request) or _unstorable_field(request)
        except (TooManyFieldsSent, TooManyFilesSent):
            return refusal(request, 400, "too_many_fields", "The form has too many fields.")
        except MultiPartParserError:
            return refusal(request, 400, "invalid_form", "The form data cannot be read.")
        if part is not None:
            return refusal(request, 400, "invalid_characters", f"{INVALID_CHARACTERS} See the {part}.")
        return self.get_response(request)
