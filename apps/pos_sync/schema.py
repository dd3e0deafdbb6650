"""How the OpenAPI schema describes the POS API: `Authorization: Device
<token>`, and the push envelope (docs/sync-protocol.md). The envelope is
checked at the edge (envelope.py); what is inside an operation's payload is
judged per operation (push.py), so the schema leaves the payload open."""
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from apps.pos_sync.envelope import MAX_SEQ


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.pos_sync.authentication.DeviceAuthentication"
    name = "DeviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Device <token>` from enrolment"}


def push_envelope():
    """The request body of POST sync/push."""
    operation = inline_serializer(name="PushOperation", fields={
        "seq": serializers.IntegerField(min_value=1, max_value=MAX_SEQ,
                                        help_text="The device's sequence: from 1, one more per operation, increasing within a push."),
        "op_id": serializers.UUIDField(help_text="Unique per operation; not twice in one push."),
        # Any JSON: a wrong type or time is this operation's problem (its
        # result says `rejected`, or the time is unknown), never the envelope's.
        "type": serializers.JSONField(required=False, help_text="sale.create, sale.void, customer.create or "
                                      "return.create; anything else is rejected in its result, not refused."),
        "occurred_at": serializers.JSONField(required=False, help_text="RFC 3339 with an offset, on the terminal's clock."),
        "payload": serializers.JSONField(required=False, allow_null=True, help_text="Per type; checked per operation."),
    })
    return inline_serializer(name="PushEnvelope", help_text=(
        "Operations in increasing `seq` order, each `op_id` once; otherwise the whole push is refused "
        "(400 operations_out_of_order / invalid_envelope) and nothing is written."), fields={
        "batch_id": serializers.UUIDField(required=False, allow_null=True),
        "operations": serializers.ListField(child=operation, max_length=settings.POS_MAX_OPERATIONS_PER_PUSH),
    })
