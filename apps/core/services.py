"""Writes every app uses: outbox events and audit entries. Call them inside
the caller's transaction so they commit, or roll back, with the change."""
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.models import AuditEntry, OutboxEvent


def _jsonable(value: Any) -> Any:
    """Decimals, UUIDs and datetimes as strings, never floats."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def outbox_event_add(*, topic: str, payload: dict) -> OutboxEvent:
    return OutboxEvent.objects.create(topic=topic, payload=_jsonable(payload))


def outbox_events_add(*, events: list[tuple[str, dict]]) -> list[OutboxEvent]:
    """Many events in one insert (a POS push writes one per applied sale)."""
    return OutboxEvent.objects.bulk_create(OutboxEvent(topic=topic, payload=_jsonable(payload)) for topic, payload in events)


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
