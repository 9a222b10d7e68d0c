"""Template helpers: names in the current language, money, dates, query-string edits,
and problems with a request told in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from babel.lists import format_list
from babel.numbers import format_currency, format_decimal
from flask import request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from registry import names, reference
from schemas.exports import ProjectExportArgsSchema, SummaryArgsSchema
from schemas.fields import Choice
from schemas.fields import List as ListField
from schemas.query import Flag, ProjectQueryArgsSchema


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


# ---- problems in words: a field's label and what to do, in the page's language

# The settings a page's address may carry, and the labels the pages give them.
QUERY_FIELDS = {
    **SummaryArgsSchema().fields,
    **ProjectExportArgsSchema().fields,
    **ProjectQueryArgsSchema().fields,
}
PAGE_PARAMETERS = ("lang",)  # the page's own: its language
FIELD_LABELS = {
    "country": _l("Country"),
    "region": _l("Region"),
    "sector": _l("Sector"),
    "sector_group": _l("Sector group"),
    "status": _l("Status"),
    "instrument": _l("Instrument"),
    "reporting_org": _l("Reporting organisation"),
    "updated_since": _l("Updated since"),
    "q": _l("Search"),
    "include_withdrawn": _l("Include withdrawn projects"),
    "flagged": _l("Flagged"),
    "flag": _l("Security flag"),
    "severity": _l("Severity"),
    "review_status": _l("Review status"),
    "sort": _l("Sort by"),
    "limit": _l("Projects per page"),
    "cursor": _l("Page"),
    "explode": _l("One row per"),
    "excel": _l("For Excel (UTF-8 with BOM)"),
    "group_by": _l("Group by"),
    "convert_to": _l("Also convert into"),
    "rates": _l("Your own rates table"),
}


def _choices(field) -> str:
    """The labels of what a Choice field (or a list of them) takes, in the page's language."""
    inner = field.inner if isinstance(field, ListField) else field
    if not isinstance(inner, Choice):
        return ""
    codes = reference.vocabulary(inner.vocabulary)
    return format_list([label(inner.vocabulary, c) for c in codes], style="or", locale=language())


def _what_to_do(code: str, field, value: str) -> str | None:
    """What is wrong and what to do, for the codes a page's settings can get."""
    advice = {
        "invalid_country": lambda: _(
            "“%(value)s” is not an ISO 3166-1 country code. Use a two-letter code such as "
            "VN (Vietnam) or JP (Japan).",
            value=value,
        ),
        "invalid_region": lambda: _(
            "“%(value)s” is not a UN M49 region code. Use one such as 142 (Asia) or "
            "035 (South-eastern Asia).",
            value=value,
        ),
        "invalid_sector": lambda: _(
            "“%(value)s” is not a DAC sector code. Use a 5-digit purpose code such as 21040 "
            "or a 3-digit category such as 210.",
            value=value,
        ),
        "invalid_choice": lambda: (
            _(
                "“%(value)s” is not one of the choices. Choose from: %(choices)s.",
                value=value,
                choices=_choices(field),
            )
            if _choices(field)
            else _("Choose at least one, each once.")
        ),
        "invalid_datetime": lambda: _(
            "“%(value)s” is not a date. Write it as 2026-01-31.", value=value
        ),
        "invalid_sort": lambda: _(
            "“%(value)s” is not a sort order. Choose one from the “Sort by” list.", value=value
        ),
        "out_of_range": lambda: _(
            "“%(value)s” is not a whole number from 1 to %(maximum)d.",
            value=value,
            maximum=getattr(field, "maximum", 200),
        ),
        "too_long": lambda: _(
            "This is too long: at most %(maximum)d characters.",
            maximum=getattr(field, "max_length", 0) or 0,
        ),
        "invalid_characters": lambda: _("Remove the control or invisible characters from it."),
        "invalid_cursor": lambda: _(
            "This page link is out of date or damaged. Start again from the first page."
        ),
        "invalid_currency": lambda: _(
            "There is no exchange rate for this currency. Choose one from the list, or add "
            "it to your rates table."
        ),
        "invalid_rate": lambda: _("The rate (units_per_usd) must be a number above zero."),
        "empty": lambda: _("Upload a CSV file whose first line is currency,units_per_usd."),
        "required": lambda: _("This is required."),
    }
    if code == "invalid_type" and isinstance(field, Flag):
        return _("“%(value)s” is neither true nor false. Use true or false.", value=value)
    if code == "invalid_currency" and field is None:  # a line of an uploaded rates table
        return _("The currency is not an ISO 4217 code such as USD or JPY.")
    return advice[code]() if code in advice else None


def _submitted(args, name: str, index: str | None) -> str:
    values = args.getlist(name) if args is not None else []
    if index is not None and index.isdigit() and int(index) < len(values):
        return values[int(index)]
    return ", ".join(values)


def page_problem(problem: dict, args=None) -> dict:
    """One problem with a page's request (`{field, code, message}` as the services and the
    schemas give it) for people: the field's label and what to do, in the page's language.

    `field` becomes the label (`Status`, not `status[0]`); `message` says what is wrong
    with the value sent (from `args`, the request's values) and what to do instead. A
    problem this does not know keeps the service's message, under the field's label."""
    path = str(problem.get("field", ""))
    name, _bracket, rest = path.partition("[")
    line = name.removeprefix("rates line ")
    if line != name:
        label_text = _("Your own rates table, line %(line)s", line=line)
        name = "rates"
    else:
        label_text = str(FIELD_LABELS.get(name, name))
    field = QUERY_FIELDS.get(name)
    value = _submitted(args, name, rest.rstrip("]") if rest else None)
    message = _what_to_do(problem.get("code", ""), field, value) or problem.get("message", "")
    return {"field": label_text, "message": message, "code": problem.get("code"), "name": name}


def page_problems(problems: list[dict], args=None) -> list[dict]:
    return [page_problem(p, args) for p in problems]


def ignored_parameters() -> list[str]:
    """The names in this page's address that no page setting uses: they are left out, and
    the page says so."""
    used = {*QUERY_FIELDS, *PAGE_PARAMETERS}
    return sorted({name for name in request.args if name not in used})


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
        "ignored_parameters",
    )
}
