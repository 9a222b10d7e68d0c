"""Template helpers: names in the current language, money, dates, query-string edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from babel.numbers import format_currency, format_decimal
from flask import request
from flask_babel import format_date, get_locale
from werkzeug.datastructures import MultiDict

from registry import names, reference


def language() -> str:
    return str(get_locale() or "en")


def country_name(code: str) -> str:
    return names.country_name(code, language())


def flag_emoji(code: str) -> str:
    return names.country_flag(code)


def sector_name(code: str) -> str:
    return names.sector_name(code)


def category_name(code: str) -> str:
    return reference.sector_categories().get(code, code)


def region_name(code: str) -> str:
    return reference.region_name(code, language())


def label(vocabulary: str, code: str) -> str:
    return reference.label(vocabulary, code, language())


def money(amount, currency: str) -> str:
    return format_currency(Decimal(amount), currency, locale=language())


def number(value) -> str:
    return format_decimal(value, locale=language())


def date(value) -> str:
    """A date (or ISO date string) in the reader's language."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value, "medium")


def subdivision_name(code: str) -> str:
    return names.subdivision_name(code, language())


def _url(args: MultiDict) -> str:
    query = urlencode(list(args.items(multi=True)))
    return request.path + (f"?{query}" if query else "")


def query_with(**changes) -> str:
    """The current URL with some parameters changed (None removes one), cursor reset."""
    args = MultiDict(request.args)
    args.pop("cursor", None)
    for key, value in changes.items():
        args.pop(key, None)
        if value is not None:
            args[key] = value
    return _url(args)


def query_without(key: str, value: str) -> str:
    """The current URL without one value of a (repeatable) filter."""
    args = MultiDict(request.args)
    args.pop("cursor", None)
    args.setlist(key, [v for v in args.getlist(key) if v != value])
    return _url(args)


def query_adding(key: str, value: str) -> str:
    """The current URL with one more value of a (repeatable) filter."""
    args = MultiDict(request.args)
    args.pop("cursor", None)
    if value not in args.getlist(key):
        args.add(key, value)
    return _url(args)


def vocabulary(name: str) -> tuple[str, ...]:
    """A controlled vocabulary's codes, in order (seed/vocabularies.toml)."""
    return reference.vocabulary(name)


HELPERS = {
    name: globals()[name]
    for name in (
        "country_name",
        "flag_emoji",
        "sector_name",
        "category_name",
        "region_name",
        "label",
        "money",
        "number",
        "date",
        "subdivision_name",
        "query_with",
        "query_without",
        "query_adding",
        "language",
        "vocabulary",
    )
}
