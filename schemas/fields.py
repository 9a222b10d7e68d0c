"""Marshmallow fields whose errors carry a machine-readable code as well as a message.

Every message says what is wrong and what is allowed. `Problem` is a `str` that also
has a `.code`; `schemas.errors.flatten` turns marshmallow's nested error dict into
`[{field, message, code}]`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pycountry
from marshmallow import ValidationError, fields

from registry import reference
from registry.formats import decimal_text
from registry.names import country_from_code

# marshmallow's own error keys → our codes.
_CODES = {
    "required": "required",
    "null": "null",
    "invalid": "invalid_type",
    "type": "invalid_type",
    "unknown": "unknown_field",
}


class Problem(str):
    """An error message that also carries its code."""

    code: str

    def __new__(cls, message: str, code: str) -> Problem:
        obj = super().__new__(cls, message)
        obj.code = code
        return obj

    def __getnewargs__(self):
        return (str(self), self.code)


def fail(message: str, code: str):
    raise ValidationError(Problem(message, code))


MESSAGES = {
    "required": "This field is required.",
    "null": "This field may not be null.",
}


class Coded:
    """Mixin: marshmallow's built-in errors get our wording and a code."""

    def make_error(self, key: str, **kwargs) -> ValidationError:
        error = super().make_error(key, **kwargs)
        message = MESSAGES.get(key) or error.messages[0]
        return ValidationError(Problem(message, _CODES.get(key, key)))


def _expect(value, types, what: str):
    if isinstance(value, bool) or not isinstance(value, types):
        fail(f"Must be {what}; got {_json_type(value)}.", "invalid_type")


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# Lone UTF-16 surrogates: a JSON `"\ud800"` escape (or the bytes ED A0 80) decodes to one, but
# it is not a Unicode character: no database stores it and no response can be encoded with it.
_SURROGATE = re.compile("[\ud800-\udfff]")

# What a Text field does with invisible format characters (Unicode category Cf: zero-width
# spaces and joiners, bidi controls, the soft hyphen, the byte-order mark, tag characters …).
KEEP, REFUSE, DROP = "keep", "refuse", "drop"


def _is_format(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


def without_format_characters(text: str) -> str:
    """`text` without its invisible format characters (Unicode category Cf), so that
    `Hua\\u200bwei` compares equal to `Huawei`; other text unchanged."""
    if text.isascii():
        return text
    return "".join(c for c in text if not _is_format(c))


def _code_point(text: str, index: int) -> str:
    char = text[index]
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}{f' ({name})' if name else ''} at position {index}"


def refuse_surrogates(value: str, say_where: bool = True) -> None:
    """A coded failure if `value` holds a lone surrogate (`say_where=False`: a secret's
    message names no position)."""
    found = _SURROGATE.search(value)
    if found:
        where = f", {_code_point(value, found.start())}," if say_where else ""
        fail(
            f"Contains a lone UTF-16 surrogate{where} which is not a Unicode character; "
            "send the text as valid UTF-8 (surrogates only in pairs).",
            "invalid_characters",
        )


def _refuse_format_characters(value: str) -> None:
    if value.isascii():
        return
    index = next((i for i, c in enumerate(value) if _is_format(c)), None)
    if index is not None:
        fail(
            f"Must not contain invisible formatting characters; found "
            f"{_code_point(value, index)}. Identifiers and codes take visible characters only.",
            "invalid_characters",
        )


class Text(Coded, fields.Field):
    """A string with a length range; optionally no surrounding whitespace or some characters.

    `strip` trims surrounding whitespace before the checks (free text typed into a form).
    Lone surrogates are always refused. `format_characters` says what happens to invisible
    format characters (category Cf): KEEP them (free text: titles, names, notes), REFUSE them
    (identifiers and codes) or DROP them (search words, compared without them)."""

    _CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

    def __init__(
        self,
        min_length=0,
        max_length=None,
        forbidden="",
        strict_whitespace=False,
        strip=False,
        format_characters=KEEP,
        **kw,
    ):
        super().__init__(**kw)
        self.min_length, self.max_length = min_length, max_length
        self.forbidden, self.strict_whitespace = forbidden, strict_whitespace
        self.strip = strip
        self.format_characters = format_characters

    def _deserialize(self, value, attr, data, **kwargs):
        _expect(value, str, "a string")
        refuse_surrogates(value)
        if self.format_characters == REFUSE:
            _refuse_format_characters(value)
        elif self.format_characters == DROP:
            value = without_format_characters(value)
        if self.strip:
            value = value.strip()
        if self._CONTROL.search(value):
            fail("Must not contain control characters.", "invalid_characters")
        if self.strict_whitespace and value != value.strip():
            fail("Must not start or end with whitespace.", "whitespace")
        bad = sorted({c for c in value if c in self.forbidden})
        if bad:
            fail(
                f"Must not contain {' '.join(repr(c) for c in bad)} "
                f"(not allowed: {' '.join(self.forbidden)}).",
                "invalid_characters",
            )
        self._check_length(value)
        return value

    def _check_length(self, value: str) -> None:
        n = len(value)
        if n < self.min_length or (self.max_length is not None and n > self.max_length):
            bounds = (
                f"at most {self.max_length}"
                if self.min_length == 0
                else f"between {self.min_length} and {self.max_length}"
            )
            code = "too_short" if n < self.min_length else "too_long"
            fail(f"Must be {bounds} characters long; got {n}.", code)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Choice(Coded, fields.Field):
    """One code from a vocabulary in `seed/vocabularies.toml`."""

    def __init__(self, vocabulary: str, **kw):
        super().__init__(**kw)
        self.vocabulary = vocabulary

    def _deserialize(self, value, attr, data, **kwargs):
        allowed = reference.vocabulary(self.vocabulary)
        _expect(value, str, "a string")
        if value not in allowed:
            fail(
                f"{value!r} is not allowed; must be one of: {', '.join(allowed)}.", "invalid_choice"
            )
        return value


class CountryCode(Coded, fields.Field):
    """Any ISO 3166-1 code in, the alpha-2 code out."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            fail(f"Must be a country code string; got {_json_type(value)}.", "invalid_type")
        country = country_from_code(value)
        if country is None:
            fail(
                f"{value!r} is not an ISO 3166-1 country code; use alpha-2 (VN), "
                "alpha-3 (VNM) or numeric (704).",
                "invalid_country",
            )
        return country.alpha_2

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class CurrencyCode(Coded, fields.Field):
    """An ISO 4217 alphabetic currency code, in any case; stored upper-case."""

    def _deserialize(self, value, attr, data, **kwargs):
        _expect(value, str, "a string")
        currency = pycountry.currencies.get(alpha_3=value.upper()) if len(value) == 3 else None
        if currency is None:
            fail(
                f"{value!r} is not an ISO 4217 currency code (for example USD, JPY, EUR).",
                "invalid_currency",
            )
        return currency.alpha_3


class SectorCode(Coded, fields.Field):
    """An active OECD DAC 5-digit purpose code (IATI sector vocabulary 1)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        _expect(value, str, "a 5-digit string")
        sector = reference.sectors().get(value)
        if sector is None:
            fail(
                f"{value!r} is not an OECD DAC 5-digit purpose code (see GET /api/v1/sectors).",
                "invalid_sector",
            )
        if sector.withdrawn:
            fail(
                f"{value!r} ({sector.name}) has been withdrawn from the DAC list; "
                "use an active code (see GET /api/v1/sectors).",
                "withdrawn_sector",
            )
        return value


# A decimal number written as text: ASCII digits, an optional minus and decimal point, nothing
# else. Python's Decimal() would also take "1_000", " 5 ", "+5", "1e3" and Arabic-Indic or
# full-width digits; such text is refused, never guessed at.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_LOOSE = (
    (lambda t: t != t.strip(), "has whitespace around it"),
    (lambda t: any(c.isdigit() and not c.isascii() for c in t), "has digits other than 0-9"),
    (
        re.compile(r"[+-]?[0-9]+(?:[_,' \u00a0\u202f][0-9]+)+(?:\.[0-9]+)?").fullmatch,
        "has separators (, _ ' or spaces) between digits",
    ),
    (lambda t: t.startswith("+"), "has a plus sign"),
    (re.compile(r"-?[0-9]*\.?[0-9]+[eE][+-]?[0-9]+").fullmatch, "has an exponent"),
)


def _plain_decimal(text: str) -> Decimal:
    """The exact value of a decimal written plainly, or a coded failure saying what is loose."""
    if _PLAIN_DECIMAL.fullmatch(text):
        return Decimal(text)
    reason = next((why for loose, why in _LOOSE if loose(text)), "is not a decimal number")
    shown = repr(text) if len(text) <= 40 else f"{text[:40]!r}…"
    fail(
        f"{shown} {reason}; write a plain decimal number: digits 0-9 with an optional "
        "minus sign and decimal point (for example 1250000.50).",
        "invalid_number",
    )


class Number(Coded, fields.Field):
    """An exact decimal from a JSON number or a plain decimal string, within a range and a
    precision (`places`: at most that many decimal places written)."""

    def __init__(self, minimum=None, maximum=None, places=None, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum, self.places = minimum, maximum, places

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            fail(
                f"Must be a decimal number (string or number); got {_json_type(value)}.",
                "invalid_type",
            )
        if isinstance(value, str):
            number = _plain_decimal(value)
        else:
            # repr() of a float is its shortest round-tripping form: 0.1 stays 0.1.
            number = Decimal(repr(value) if isinstance(value, float) else value)
        if not number.is_finite():
            fail("Must be a finite decimal number.", "invalid_type")
        if self.minimum is not None and number < self.minimum:
            fail(f"Must be at least {self.minimum}; got {number}.", "out_of_range")
        if self.maximum is not None and number > self.maximum:
            fail(f"Must be at most {self.maximum}; got {number}.", "out_of_range")
        if self.places is not None and number.as_tuple().exponent < -self.places:
            fail(f"Must have at most {self.places} decimal places; got {value}.", "too_precise")
        return number + 0  # drops a negative zero's sign

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else decimal_text(value)


class Boolean(Coded, fields.Field):
    """A JSON boolean, and nothing that merely looks like one."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            fail(f"Must be true or false; got {_json_type(value)}.", "invalid_type")
        return value


class Date(Coded, fields.Field):
    """An ISO 8601 calendar date, YYYY-MM-DD."""

    def _deserialize(self, value, attr, data, **kwargs):
        _expect(value, str, "a date string (YYYY-MM-DD)")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            fail(f"{value!r} is not a date; use YYYY-MM-DD.", "invalid_date")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


class List(Coded, fields.List):
    """A JSON array with length bounds, optionally of distinct items."""

    def __init__(self, inner, min_items=0, max_items=None, unique=False, **kw):
        super().__init__(inner, **kw)
        self.min_items, self.max_items, self.unique = min_items, max_items, unique

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            fail(f"Must be an array; got {_json_type(value)}.", "invalid_type")
        if len(value) < self.min_items:
            fail(
                f"Must have at least {self.min_items} item{'s' if self.min_items > 1 else ''}.",
                "too_few",
            )
        if self.max_items is not None and len(value) > self.max_items:
            fail(f"Must have at most {self.max_items} items; got {len(value)}.", "too_many")
        result = super()._deserialize(value, attr, data, **kwargs)
        if self.unique:
            seen = set()
            for item in result:
                if item in seen:
                    fail(f"{item!r} appears more than once; list each value once.", "duplicate")
                seen.add(item)
        return result


class Nested(Coded, fields.Nested):
    pass


class ServerOwned(fields.Field):
    """A field the server sets: present in input, it is an error that says so."""

    def _deserialize(self, value, attr, data, **kwargs):
        fail(
            "Is set by the server and cannot be submitted; remove it from the request.",
            "server_owned",
        )

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Choices(Coded, fields.Field):
    """One or more distinct codes from a vocabulary, checked as a whole list."""

    def __init__(self, vocabulary: str, **kw):
        super().__init__(**kw)
        self.vocabulary = vocabulary

    def _deserialize(self, value, attr, data, **kwargs):
        allowed = reference.vocabulary(self.vocabulary)
        if (
            not isinstance(value, list)
            or not value
            or any(not isinstance(v, str) or v not in allowed for v in value)
        ):
            fail(f"Give one or more of: {', '.join(allowed)}.", "invalid_choice")
        return list(dict.fromkeys(value))
