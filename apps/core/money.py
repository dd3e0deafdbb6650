"""Money helpers every app uses: a currency's minor unit and rounding to it.

Pure Python (no Django), like the pricing arithmetic that builds on it.
Money is ``Decimal``; floats are rejected with ``TypeError``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["as_decimal", "currency_exponent", "money_text", "quantize_money"]

_CURRENCY_EXPONENTS = {"IRR": 0, "IRT": 0, "INR": 2, "AED": 2, "USD": 2, "EUR": 2}


def as_decimal(value: object, name: str) -> Decimal:
    """Return ``value`` as a finite Decimal; refuse floats (inexact) loudly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (IRR has none)."""
    if not isinstance(currency, str):
        raise TypeError(f"currency must be a str, not {type(currency).__name__}")
    try:
        return _CURRENCY_EXPONENTS[currency.upper()]
    except KeyError:
        known = ", ".join(sorted(_CURRENCY_EXPONENTS))
        raise ValueError(f"unknown currency {currency!r}; known: {known}") from None


def quantize_money(amount: Decimal, exponent: int) -> Decimal:
    """Quantize to ``exponent`` decimal places, half up (counter convention)."""
    amount = as_decimal(amount, "amount")
    if isinstance(exponent, bool) or not isinstance(exponent, int) or exponent < 0:
        raise ValueError(f"exponent must be a non-negative int, got {exponent!r}")
    return amount.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def money_text(amount: Decimal, currency: str) -> str:
    """Money for event payloads and audit records: in the currency's minor
    unit, as a string ("53754400", "136569.76"), however the Decimal was
    built or read back from the database."""
    return str(quantize_money(amount, currency_exponent(currency)))
