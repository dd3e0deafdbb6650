"""Reads for the POS API."""
from django.db import connection


def change_number_latest() -> int:
    """The newest change number handed out in this shop (0 before any)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM sync_change_seq")
        return cursor.fetchone()[0]
