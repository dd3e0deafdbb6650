"""Build push operations the way a terminal does: priced with the server's
own pricing function, decimal strings, its own ids and sequence."""
import uuid
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

from django.db import connection

from apps.inventory.shop_pricing import line_price
from apps.tenancy.models import Tenant


def sale_payload(lines, *, total=None, payments=None, customer_id=None, trade_ins=(), client_sale_id=None):
    """lines: [(item, gold_rate, quantity)] or [(item, gold_rate, quantity, unit_price)]."""
    shop = Tenant.objects.get(schema_name=connection.schema_name)
    out, computed = [], Decimal(0)
    for entry in lines:
        item, gold_rate, quantity = entry[:3]
        unit = entry[3] if len(entry) > 3 else line_price(item=item, quantity=1, gold_rate=gold_rate, shop=shop).unit_price
        out.append({"item_id": str(item.pk), "quantity": quantity, "gold_rate_id": str(gold_rate.pk) if gold_rate else None,
                    "unit_price": str(unit)})
        computed += unit * quantity
    total = computed if total is None else total
    payload = {
        "client_sale_id": str(client_sale_id or uuid.uuid4()), "receipt_number": "B1T1-000001",
        "lines": out, "trade_ins": list(trade_ins),
        "payments": payments if payments is not None else [{"method": "cash", "amount": str(total)}],
        "total": str(total),
    }
    if customer_id:
        payload["customer"] = {"id": str(customer_id)}
    return payload


def op(seq, payload, *, type="sale.create", op_id=None, occurred_at=None):
    occurred_at = occurred_at or datetime.now(dt_timezone(timedelta(hours=3, minutes=30)))
    return {"seq": seq, "op_id": str(op_id or uuid.uuid4()), "type": type, "occurred_at": occurred_at.isoformat(), "payload": payload}


def push(client, operations, batch_id=None):
    return client.post("/api/pos/v1/sync/push", {"batch_id": str(batch_id or uuid.uuid4()), "operations": operations}, format="json")
