"""Writes every app uses: outbox events and audit entries. Call them inside
the caller's transaction so they commit, or roll back, with the change."""
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.bulk import copy_insert
from apps.core.ids import ledger_id
from apps.core.models import AuditEntry, OutboxEvent
from apps.core.outbox import relay_on_commit


def _jsonable(value: Any) -> Any:
    """Decimals, UUIDs and datetimes as strings, never floats."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def outbox_event_add(*, topic: str, payload: dict) -> OutboxEvent:
    event = OutboxEvent.objects.create(topic=topic, payload=_jsonable(payload))
    relay_on_commit(event_ids=[event.pk])  # after the commit, one broker message; never fails the caller
    return event


def outbox_events_add(*, events: list[tuple[str, dict]]) -> list[OutboxEvent]:
    """Many events in one insert (a POS push writes one per applied sale)."""
    rows = [{"id": ledger_id(), "topic": topic, "payload": _jsonable(payload)} for topic, payload in events]
    copy_insert(OutboxEvent, rows)
    relay_on_commit(event_ids=[row["id"] for row in rows])  # one message for the whole batch
    return [OutboxEvent(**row) for row in rows]


def audit_record(*, actor, action: str, obj, before: dict | None = None, after: dict | None = None, note: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note,
    )
