"""The filter form that /projects and /exports share (templates/filters.html): the
choices of its widgets in the page's language, the request's filters read the way a page
reads them, and links built back from the filters that were understood.

On a page an empty value means "no filter" (a form's "Any"); the API keeps refusing
empty values. A page that reads a bad filter leaves that one value out, says why next
to its field, and keeps every other filter; links built with `filter_args` carry only
what was understood.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from urllib.parse import urlencode

import pycountry
from flask import redirect, request
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from registry import names, reference
from registry.services import countries, permissions
from registry.web.auth import current_actor
from registry.web.blueprint import bp
from registry.web.helpers import language, page_problems
from schemas.errors import flatten
from schemas.fields import List as ListField
from schemas.query import ProjectFilterSchema

# The filters a link carries, in the order it carries them.
FILTER_NAMES = (
    "q",
    "country",
    "region",
    "sector",
    "sector_group",
    "status",
    "instrument",
    "reporting_org",
    "updated_since",
    "include_withdrawn",
    "flagged",
    "flag",
    "severity",
    "review_status",
)
# Pages whose address is a filter form's: an empty value is dropped by a redirect.
FORM_PAGES = ("web.projects", "web.exports_page")
# Tried again at most this often, each time without the values refused before.
_ATTEMPTS = 3
_FILTER_DEFAULTS = {
    name: field.load_default
    for name, field in ProjectFilterSchema().fields.items()
    if name in FILTER_NAMES
}


def non_empty(args) -> MultiDict:
    """The request's values without the empty ones ("Any", a cleared box)."""
    return MultiDict([(key, value) for key, value in args.items(multi=True) if value.strip()])


@bp.before_request
def drop_empty_filters():
    """A filter form's "Any" sends `country=`: the page's address goes without it, so
    what the list shows, its chips and its links start from the same filters."""
    if request.method == "GET" and request.endpoint in FORM_PAGES and _has_empty(request.args):
        return redirect(link(request.path, list(non_empty(request.args).items(multi=True))), 303)
    return None


def _has_empty(args) -> bool:
    return any(not value.strip() for _key, value in args.items(multi=True))


def _raw(args: MultiDict, schema: Schema) -> dict:
    raw = {}
    for key in args:
        field = schema.fields.get(key)
        if field is not None:
            raw[key] = args.getlist(key) if isinstance(field, ListField) else args.get(key)
    return raw


def _without(raw: dict, problems: list[dict]) -> dict:
    """`raw` without the values the problems point at (`status[1]`: that one value)."""
    raw = {key: list(value) if isinstance(value, list) else value for key, value in raw.items()}
    dropped: dict[str, set[int]] = {}
    for problem in problems:
        name, _bracket, rest = str(problem.get("field", "")).partition("[")
        index = rest.split("]", 1)[0]
        if isinstance(raw.get(name), list) and index.isdigit():
            dropped.setdefault(name, set()).add(int(index))
        else:
            raw.pop(name, None)
    for name, indexes in dropped.items():
        if name in raw:
            raw[name] = [v for i, v in enumerate(raw[name]) if i not in indexes]
    return raw


def page_query(args, schema: Schema, **defaults) -> tuple[dict, list[dict]]:
    """A page's filters through the API's schema, as a page reads them: (query, problems).

    Empty values are no filter; names the schema does not know are left out (the page
    says so, `helpers.ignored_parameters`); a value the schema refuses is left out and
    the others kept, its problem told in words in the page's language (with `name`, the
    field it belongs next to). `defaults` are used where the request says nothing.
    """
    cleaned = non_empty(args)
    raw = {**defaults, **_raw(cleaned, schema)}
    problems: list[dict] = []
    for _attempt in range(_ATTEMPTS):
        try:
            return schema.load(raw), page_problems(problems, cleaned)
        except ValidationError as error:
            found = flatten(error.messages)
            problems += found
            raw = _without(raw, found)
    return schema.load(dict(defaults)), page_problems(problems, cleaned)


def filter_args(query: dict) -> list[tuple[str, str]]:
    """The filters of a validated query as a link's parameters (defaults left out)."""
    pairs = []
    for name in FILTER_NAMES:
        value = query.get(name)
        if value is None or value == [] or value == _FILTER_DEFAULTS.get(name):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                item = "true" if item else "false"
            elif isinstance(item, dt.datetime):
                item = item.isoformat()
            pairs.append((name, str(item)))
    return pairs


def link(endpoint_path: str, pairs: list[tuple[str, str]]) -> str:
    query = urlencode(pairs)
    return endpoint_path + (f"?{query}" if query else "")


# ---- the widgets' choices, in the page's language


@cache
def _country_choices(lang: str) -> tuple[tuple[str, str, int], ...]:
    choices = ((c.alpha_2, names.country_name(c.alpha_2, lang), 0) for c in pycountry.countries)
    return tuple(sorted(choices, key=lambda choice: choice[1].casefold()))


def country_choices() -> tuple[tuple[str, str, int], ...]:
    """Every ISO 3166-1 country as (alpha-2 code, name in the page's language, depth 0),
    by name."""
    return _country_choices(language())


@cache
def _region_choices(lang: str) -> tuple[tuple[str, str, int], ...]:
    """The M49 tree of `countries.region_choices`, flattened in its order for a <select>."""

    def flat(items: list[dict]):
        for item in items:
            yield item["code"], item["name"], item["depth"]
            yield from flat(item["children"])

    return tuple(flat(countries.region_choices(lang)))


def region_choices() -> tuple[tuple[str, str, int], ...]:
    """M49 regions as (code, name in the page's language, depth), each region followed
    by its sub-regions and theirs."""
    return _region_choices(language())


def vocabulary_choices(name: str) -> list[tuple[str, str, int]]:
    """A controlled vocabulary as (code, label in the page's language, depth 0)."""
    return [
        (code, reference.label(name, code, language()), 0) for code in reference.vocabulary(name)
    ]


def may_filter_by_security() -> bool:
    return permissions.can_filter_by_security(current_actor())


def filter_link(path: str, query: dict) -> str:
    """`path` with the filters of a validated query."""
    return link(path, filter_args(query))


# What templates/filters.html needs, as template globals (a macro imported without the
# page's context still sees them).
for _helper in (
    country_choices,
    region_choices,
    vocabulary_choices,
    filter_args,
    filter_link,
    may_filter_by_security,
):
    bp.add_app_template_global(_helper)
