"""Numbers, money and dates as text: one way to write them, for JSON, CSV and history.

A pure leaf: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

CENT = Decimal("0.01")


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros (`33.30` → `33.3`)."""
    return format(Decimal(value).normalize(), "f")


def money_text(amount: Decimal) -> str:
    """An amount as text with exactly two decimal places (`130000000` → `130000000.00`)."""
    return str(Decimal(amount).quantize(CENT))


def jsonable(value):
    """Decimals as plain strings, dates as ISO strings, recursively."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
