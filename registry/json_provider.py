"""The app's JSON (`app.json`, and so `flask.json`, `jsonify`, `request.get_json`, `tojson`).

As the API speaks it: UTF-8 as is (no `\\uXXXX` escapes), keys in the order they were put in,
numbers exact. A JSON number with a fraction or exponent is read as a Decimal, never a float;
a Decimal is written as plain decimal text (a JSON string: amounts are strings in documents).
NaN and Infinity are not JSON and are refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value.")


class RegistryJSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False
    compact = True  # jsonify: no indentation, not even in debug mode

    @staticmethod
    def default(value: Any) -> Any:
        """Decimals as exact decimal text (`1E+2` → "100"); other types as Flask writes them."""
        if isinstance(value, Decimal):
            return format(value, "f")
        return DefaultJSONProvider.default(value)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON; fractions as Decimal. Raises ValueError (JSONDecodeError when malformed)."""
        kwargs.setdefault("parse_float", Decimal)
        kwargs.setdefault("parse_constant", _refuse_constant)
        return super().loads(s, **kwargs)
