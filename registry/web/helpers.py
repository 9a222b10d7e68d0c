"""Template helpers: names in the current language, money, dates, query-string edits,
and problems with a request told in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from babel.lists import format_list
from babel.numbers import format_currency, format_decimal
from flask import request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from registry import names, reference
from registry.page_problems import FIELD_LABELS, QUERY_FIELDS, page_problem, page_problems
from registry.services import history


def language() -> str:
    return str(get_locale() or "en")


def country_name(code: str) -> str:
    return names.country_name(code, language())


def flag_emoji(code: str) -> str:
    return names.country_flag(code)


def sector_name(code: str) -> str:
    return names.sector_name(code, language())


def category_name(code: str) -> str:
    return names.sector_category_name(code, language())


def region_name(code: str) -> str:
    return reference.region_name(code, language())


def label(vocabulary: str, code: str) -> str:
    return reference.label(vocabulary, code, language())


def money(amount, currency: str) -> str:
    return format_currency(Decimal(amount), currency, locale=language())


def number(value) -> str:
    return format_decimal(value, locale=language())


def date(value) -> str:
    """A date (or ISO date string) in the reader's language; “not set” when there is none."""
    if not value:
        return _("not set")
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return format_date(value, "medium")


def date_range(start, end) -> str:
    """From one date to another (`1 Mar 2022 – 31 Mar 2030`), either or both possibly
    absent: `from …`, `until …`, or “not set”."""
    if start and end:
        return f"{date(start)} – {date(end)}"
    if start:
        return _("from %(start)s", start=date(start))
    if end:
        return _("until %(end)s", end=date(end))
    return _("not set")


def date_time(value) -> str:
    """A moment (datetime or ISO text) as a date and time in the reader's language, UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return format_datetime(value, "medium", rebase=False) + " UTC"


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


# ---- history in the page's language: who, why and what changed

# The registry's own jobs (`system: seed demo`), as history names them.
SYSTEM_TASKS = {
    "seed demo": _l("loading the demo data"),
    "screening rerun": _l("re-screening"),
    "cli add-vendor": _l("adding a vendor"),
    "rebuild derived": _l("maintenance"),
}
CHANGE_LABELS = {
    "identifier": _l("Identifier"),
    "title": _l("Title"),
    "description": _l("Description"),
    "status": _l("Status"),
    "recipient_countries": _l("Recipient countries"),
    "sectors": _l("Sectors"),
    "dates.planned_start": _l("Planned start"),
    "dates.planned_end": _l("Planned end"),
    "dates.actual_start": _l("Actual start"),
    "dates.actual_end": _l("Actual end"),
    "finance.amount": _l("Amount"),
    "finance.currency": _l("Currency"),
    "finance.instrument": _l("Instrument"),
    "participants": _l("Participants"),
    "technologies": _l("Technologies"),
    "maritime_activities": _l("Maritime activities"),
    "export_control_categories": _l("Export-control categories"),
    "locations": _l("Locations"),
    "tags": _l("Tags"),
    "security.review_status": _l("Review status"),
    "security.flags": _l("Security flags"),
}
# Changed values that are codes of a vocabulary: shown by their labels.
CHANGE_VOCABULARIES = {
    "status": "statuses",
    "finance.instrument": "instruments",
    "maritime_activities": "maritime_activities",
    "export_control_categories": "export_control_categories",
    "security.review_status": "review_statuses",
}


def history_actor(entry: dict) -> str:
    """Who made a version, in the page's language (an e-mail address stays as it is)."""
    kind, detail = history.actor_parts(entry.get("actor", ""), entry.get("action", ""))
    if kind == "reviewer":
        return _("a reviewer")
    if kind == "registry":
        return _("the registry")
    if kind == "system":
        task = SYSTEM_TASKS.get(detail)
        return _("the registry (%(task)s)", task=task) if task else _("the registry")
    return detail


def history_note(entry: dict) -> str:
    """Why a version was made: the registry's own notes in the page's language, a
    person's words as written."""
    note = entry.get("note") or ""
    parts = history.note_parts(note)
    if parts is None or language() == "en":  # the registry's notes are stored in English
        return note
    kind, params = parts
    if kind == "review_decision":
        return _(
            "Review decision: %(decision)s.", decision=label("review_statuses", params["status"])
        )
    return _("Re-screened with ruleset %(version)s.", version=params["version"])


def _flag_text(value: str) -> str:
    code, _colon, severity = value.partition(":")
    flag = label("flags", code)
    return f"{flag} ({label('severities', severity)})" if severity else flag


def _named_shares(field: str, value: list) -> list:
    """Countries and sectors of a change with their names beside (or for) their codes."""
    if field == "recipient_countries":
        return [{**v, "code": country_name(v["code"])} for v in value if isinstance(v, dict)]
    if field == "sectors":
        return [
            {**v, "code": f"{v['code']} {sector_name(v['code'])}"}
            for v in value
            if isinstance(v, dict)
        ]
    return value


def _list_value(field: str, value: list) -> str:
    vocabulary_name = CHANGE_VOCABULARIES.get(field)
    if field == "security.flags":
        return format_list([_flag_text(v) for v in value], locale=language())
    items = [
        ", ".join(str(x) for x in v.values() if x not in (None, ""))
        if isinstance(v, dict)
        else (label(vocabulary_name, v) if vocabulary_name else str(v))
        for v in _named_shares(field, value)
    ]
    return "; ".join(items)


def change_value(field: str, value) -> str:
    """One side of a change, for reading: labels for codes, dates in the page's language,
    lists as lists; “–” for nothing."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return _list_value(field, value)
    vocabulary_name = CHANGE_VOCABULARIES.get(field)
    if vocabulary_name:
        return label(vocabulary_name, str(value))
    if field.startswith("dates."):
        return date(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def history_change(change: dict) -> dict:
    """A change of a version for reading: {field (its label), code (the path), old, new}."""
    field = change.get("field", "")
    return {
        "field": str(CHANGE_LABELS.get(field, field)),
        "code": field,
        "old": change_value(field, change.get("old")),
        "new": change_value(field, change.get("new")),
    }


def history_entries(versions: list[dict]) -> list[dict]:
    """A project's history (services/history.py's entries, as the API gives them) for a
    page: each with `actor`, `note`, `when` and `changes` told in the page's language, and
    `action` its label; `version` and `code` (the action) as they are."""
    return [
        {
            "version": v["version"],
            "code": v["action"],
            "action": label("history_actions", v["action"]),
            "actor": history_actor(v),
            "when": date_time(v["changed_at"]),
            "note": history_note(v),
            "changes": [history_change(c) for c in v.get("changes", [])],
        }
        for v in versions
    ]


# ---- problems in words (registry/page_problems.py: the error pages use them too)

PAGE_PARAMETERS = ("lang",)  # the page's own: its language


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
        "date_range",
        "date_time",
        "history_entries",
        "history_actor",
        "history_note",
        "history_change",
        "subdivision_name",
        "query_with",
        "query_without",
        "query_adding",
        "language",
        "vocabulary",
        "ignored_parameters",
        "page_problems",
    )
}

__all__ = ["FIELD_LABELS", "HELPERS", "QUERY_FIELDS", "page_problem", "page_problems"]
