"""Opaque pull cursors: a shop's change number, tied to the shop."""
import base64
import binascii

from django.db import connection

VERSION = "v1"


class UnusableCursor(Exception):
    """The server can no longer serve from this cursor: full resync."""


def cursor_encode(change_number: int) -> str:
    raw = f"{VERSION}:{connection.schema_name}:{change_number}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, schema, number = raw.split(":")
        value = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise UnusableCursor("malformed cursor") from exc
    if version != VERSION or schema != connection.schema_name or value < 0:
        raise UnusableCursor("cursor of another shop or protocol version")
    return value
