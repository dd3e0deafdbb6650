"""Tests for apps.core.money: a currency's minor unit and rounding to it.

Pure Python: no Django, no database.
"""
import sys
from decimal import Decimal

import pytest

from apps.core.money import currency_exponent, quantize_money

D = Decimal


def test_currency_exponents():
    assert [currency_exponent(c) for c in ("IRR", "IRT", "INR", "AED", "USD", "EUR")] == [
        0, 0, 2, 2, 2, 2,
    ]
    with pytest.raises(ValueError, match="unknown currency"):
        currency_exponent("XYZ")


def test_quantize_money_half_up():
    assert quantize_money(D("2.5"), 0) == D(3)
    assert quantize_money(D("-2.5"), 0) == D(-3)
    assert str(quantize_money(D("1.005"), 2)) == "1.01"
    assert str(quantize_money(D(7), 2)) == "7.00"


def test_floats_and_bad_exponents_are_refused():
    with pytest.raises(TypeError):
        quantize_money(2.5, 0)
    with pytest.raises(ValueError, match="exponent"):
        quantize_money(D(1), -1)
    with pytest.raises(TypeError):
        currency_exponent(None)


def test_pricing_still_offers_the_same_helpers():
    from apps.inventory import pricing

    assert pricing.currency_exponent is currency_exponent
    assert pricing.quantize_money is quantize_money


def test_money_and_pricing_import_no_django():
    assert not any(name == "django" or name.startswith("django.") for name in _imports_of("apps.inventory.pricing"))


def _imports_of(module: str) -> set[str]:
    """The modules a fresh interpreter loads to import `module`."""
    import subprocess
    from pathlib import Path

    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    return set(out.stdout.split())
