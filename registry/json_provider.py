"""The app's JSON (`app.json`, and so `flask.json`, `jsonify`, `request.get_json`, `tojson`).

As the API speaks it: UTF-8 as is (no `\\uXXXX` escapes), keys in the order they were put in,
numbers exact. A JSON number with a fraction or exponent is read as a Decimal, never a float;
a Decimal is written as plain decimal text (a JSON string: amounts are strings in documents).
NaN and Infinity are not JSON and are refused, and so are arrays and objects nested more
than MAX_DEPTH levels deep (TooDeep), before they are parsed: no input makes the parser,
or anything that walks what it returns, recurse without bound.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider

# Arrays and objects inside each other, at most (a batch of project records needs 4).
MAX_DEPTH = 64


def _within(depth: int) -> re.Pattern:
    """Brackets, as `(` and `)`, balanced and never more than `depth` levels deep.

    Possessive repeats: one way to match, no backtracking, so linear in the text."""
    pattern = ""
    for _ in range(depth):
        pattern = rf"(?:\({pattern}\))*+"
    return re.compile(pattern.encode())


_WITHIN_MAX_DEPTH = _within(MAX_DEPTH)
_AS_PARENTHESES = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKET_OR_QUOTE = bytes(b for b in range(256) if b not in b'[]{}"')


class TooDeep(ValueError):
    """JSON whose arrays and objects nest more than MAX_DEPTH levels deep."""

    def __init__(self):
        super().__init__(
            f"The JSON nests arrays and objects more than {MAX_DEPTH} levels deep; "
            f"the registry reads at most {MAX_DEPTH} levels."
        )
        self.limit = MAX_DEPTH


def _utf8(text: str | bytes) -> bytes | None:
    """The text as UTF-8, as `json.loads` would read it (bytes may be UTF-16 or -32);
    None when it cannot be decoded (the parser then fails before reading a bracket)."""
    if isinstance(text, str):
        return text.encode("utf-8", "surrogatepass")
    encoding = json.detect_encoding(text)
    if encoding == "utf-8":
        return bytes(text)
    try:
        return bytes(text).decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeError:
        return None


def _shallow(text: str | bytes) -> bool:
    """True when the brackets outside strings are balanced and at most MAX_DEPTH deep.

    Escapes go first (`\\\\`, then `\\"`, left to right as a parser reads them), so every
    quote left opens or closes a string; brackets inside strings are dropped. Then a
    regular expression checks the depth. Byte operations and one linear match: about
    as fast as the parse itself, even for 2 MB built to be slow.
    """
    raw = _utf8(text)
    if raw is None or raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return True
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = unescaped.translate(_AS_PARENTHESES, _NOT_BRACKET_OR_QUOTE).replace(b'""', b"")
    outside_strings = b"".join(skeleton.split(b'"')[::2])
    return _WITHIN_MAX_DEPTH.fullmatch(outside_strings) is not None


def refuse_too_deep(text: str | bytes) -> None:
    """Raise TooDeep when the arrays and objects of `text` nest more than MAX_DEPTH deep.

    Text that is not shallow is either too deep or malformed; the parser tells which
    (it fails on malformed text before recursing past where it breaks, and such text is
    left for the caller's parse to report). Nothing deeper than MAX_DEPTH gets through.
    """
    if _shallow(text):
        return
    try:
        json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    except ValueError:
        return
    raise TooDeep()


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
        """Parse JSON; fractions as Decimal. Raises ValueError: JSONDecodeError when
        malformed, TooDeep when nested more than MAX_DEPTH levels deep."""
        refuse_too_deep(s)
        kwargs.setdefault("parse_float", Decimal)
        kwargs.setdefault("parse_constant", _refuse_constant)
        return super().loads(s, **kwargs)
