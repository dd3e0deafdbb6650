"""PRICING.md vector 1, shared by the tests: an 18k ring, net 5 g, making
18%, stones 2,000,000. At 8,000,000 a gram of 750 in an Iranian shop (VAT 10%,
profit 7%) it costs 53,754,400 Rial."""
from decimal import Decimal

RING = {
    "name": "18k ring",
    "fineness": 750,
    "gross_weight": Decimal("5.250"),
    "stone_weight": Decimal("0.250"),
    "making_mode": "percent",
    "making_value": Decimal("18"),
    "stone_value": Decimal("2000000"),
    "pricing_mode": "gold_rate",
    "cost": Decimal("30000000"),
}
RING_TOTAL = Decimal("53754400")

# A plain 18k ring for stock in bulk: net 5 g of 750, making 18%, no stones.
PLAIN_RING = {
    "fineness": 750,
    "gross_weight": Decimal("5.000"),
    "stone_weight": Decimal("0"),
    "making_mode": "percent",
    "making_value": Decimal("18"),
    "pricing_mode": "gold_rate",
    "cost": Decimal("1"),
}
