"""OpenAPI description helpers: one decorator documents a route's body, headers and errors."""

from __future__ import annotations

import re
import unicodedata
from copy import deepcopy
from functools import cache

import pycountry
from flask_smorest import Blueprint
from marshmallow import Schema

from registry import reference
from schemas import fields as f
from schemas import query as q
from schemas.api import CountryQueryArgsSchema, ProblemSchema
from schemas.exports import CurrencyTarget, GroupBy, ProjectExportArgsSchema, SummaryArgsSchema
from schemas.reviews import QUEUE_SORTS, QueueSort, ReviewQueueArgsSchema

PROBLEM = "application/problem+json"

ERROR_DESCRIPTIONS = {
    400: "Malformed JSON.",
    401: "Missing, unknown, expired or revoked token.",
    403: "The token may not do this (another ministry's record, read scope, wrong role).",
    404: "No such record.",
    409: "A request with the same Idempotency-Key is still being processed (or died mid-way: "
    "its key is released 10 minutes after it was first sent); see Retry-After.",
    412: "If-Match names a version that is no longer current; nothing was written.",
    413: "The body is larger than 2 MB.",
    415: "The body is not JSON.",
    422: "Invalid input: `errors` lists every problem with its field path.",
    428: "If-Match is required.",
    429: "Too many requests for this token; see Retry-After.",
    503: "The database cannot be reached just now; nothing was written. Try again after "
    "Retry-After seconds.",
}
# Every operation may meet these; the statuses that come with a Retry-After header.
ALWAYS = (503,)
RETRY_AFTER = {409, 429, 503}

HEADER_DOCS = {
    "ETag": {
        "description": "The version of the record, for If-Match and If-None-Match.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The created record's address: a path, or a full URL under "
        "REGISTRY_BASE_URL.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an "
        "earlier request with the same Idempotency-Key.",
        "schema": {"type": "string"},
    },
}


# The Idempotency-Key the registry accepts (services/idempotency.py): 1–255 characters
# that Python calls printable. A header is Latin-1, so that is printable ASCII and the
# printable Latin-1 letters and signs (not the no-break space U+00A0 nor the soft hyphen U+00AD).
IDEMPOTENCY_KEY_PATTERN = r"^[\x20-\x7E\xA1-\xAC\xAE-\xFF]{1,255}$"
# An ETag list as If-Match takes it; `*` is refused with 428 (name the version you read).
IF_MATCH_PATTERN = r"^[^*]*[^*\s][^*]*$"

HEADER_PARAMETERS = {
    "Idempotency-Key": {
        "description": "Makes retries safe: the same key and body replay the first response "
        "(kept 24 hours). 1–255 printable characters, for example a UUID.",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": IDEMPOTENCY_KEY_PATTERN,
        },
    },
    "If-Match": {
        "description": 'The ETag of the project as you last read or wrote it (`"v4.r2"`; weak '
        "ones and lists are accepted). Required: without it (or with `*`) the answer is 428; "
        "if your ministry has changed the record since, 412.",
        "required": True,
        "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
    },
    "If-None-Match": {
        "description": "An ETag from an earlier GET; the answer is 304 while it is still current.",
        "schema": {"type": "string"},
    },
}


def _header(name: str) -> dict:
    return {"in": "header", "name": name, "required": False, **deepcopy(HEADER_PARAMETERS[name])}


def _add_parameters(view, parameters: list[dict]) -> None:
    """Document header parameters beside the ones `blp.arguments` derives from its schema.

    flask-smorest merges `blp.doc(parameters=…)` over the generated documentation with a
    deep update that *replaces* lists, so parameters given there would hide every query
    parameter of the route. The arguments' own list is extended instead.
    """
    view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    view._apidoc.setdefault("arguments", {}).setdefault("parameters", []).extend(parameters)


def documenter(blp: Blueprint):
    """`document(status, schema, …)` for the routes of `blp`."""

    def document(
        status: int,
        schema=None,
        *,
        body=None,
        errors=(),
        headers=(),
        idempotent=False,
        if_match=False,
        conditional_get=False,
        merge_patch=False,
        csv=None,
    ):
        def decorator(view):
            names = [
                name
                for name, wanted in (
                    ("Idempotency-Key", idempotent),
                    ("If-Match", if_match),
                    ("If-None-Match", conditional_get),
                )
                if wanted
            ]
            extra = {"security": [{"bearerAuth": []}]}
            if body is not None:
                types = ["application/json"]
                if merge_patch:
                    types.insert(0, "application/merge-patch+json")
                extra["requestBody"] = {
                    "required": True,
                    "content": {t: {"schema": body} for t in types},
                }
            response_headers = {name: HEADER_DOCS[name] for name in headers}
            if idempotent:
                response_headers["Idempotent-Replayed"] = HEADER_DOCS["Idempotent-Replayed"]
            if csv is not None:  # a CSV download: its 200 is text/csv, described by `csv`
                extra["responses"] = {
                    "200": {
                        "description": csv,
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    }
                }
            view = blp.doc(**extra)(view)
            _add_parameters(view, [_header(name) for name in names])
            for code in (*errors, *ALWAYS):
                error_headers = None
                if code in RETRY_AFTER:
                    error_headers = {
                        "Retry-After": {
                            "description": "Seconds to wait.",
                            "schema": {"type": "string"},
                        }
                    }
                view = blp.alt_response(
                    code,
                    schema=ProblemSchema,
                    content_type=PROBLEM,
                    description=ERROR_DESCRIPTIONS[code],
                    headers=error_headers,
                )(view)
            if conditional_get:
                view = blp.alt_response(
                    304,
                    description="Not modified.",
                    success=True,
                    headers={"ETag": HEADER_DOCS["ETag"]},
                )(view)
            return blp.response(status, schema, headers=response_headers or None)(view)

        return decorator

    return document


_REPEAT = " Repeat the parameter for any of several values (`country=VN&country=LA`)."
_SCREENING = " For people's tokens: a partner ministry using it gets 403."

# What each query parameter does, by the schema that reads it (subclasses inherit).
PARAMETER_DESCRIPTIONS = {
    q.ProjectFilterSchema: {
        "country": "Recipient country: an ISO 3166-1 code, alpha-2 (VN), alpha-3 (VNM) or "
        "numeric (704), in any case." + _REPEAT,
        "region": "A recipient country's UN M49 region, sub-region or intermediate region "
        "(142 Asia, 035 South-eastern Asia)." + _REPEAT,
        "sector": "An OECD DAC 5-digit purpose code or 3-digit category "
        "(see GET /api/v1/sectors)." + _REPEAT,
        "sector_group": "Infrastructure sector group." + _REPEAT,
        "status": "Project status." + _REPEAT,
        "instrument": "Finance instrument." + _REPEAT,
        "reporting_org": "The reporting ministry's ref (JP-GOV-1)." + _REPEAT,
        "updated_since": "Only projects changed at or after this ISO 8601 date or date-time "
        "(2026-01-31, 2026-01-31T09:00:00Z; UTC when it has no offset).",
        "q": "Words that must all appear in the project's text (title, description, "
        "identifier, participants …), in any case.",
        "include_withdrawn": "`true` to list withdrawn projects too.",
        "flagged": "`true`: only projects with a security flag to review; `false`: only those "
        "without." + _SCREENING,
        "flag": "Security flag code." + _REPEAT + _SCREENING,
        "severity": "Security flag severity." + _REPEAT + _SCREENING,
        "review_status": "Review status." + _REPEAT + _SCREENING,
    },
    q.ProjectQueryArgsSchema: {
        "sort": "The order: a column, prefixed with `-` for descending.",
        "limit": "Projects per page.",
        "cursor": "Where the page starts: the `cursor` of the previous page's `next` link, "
        "unchanged (it belongs to that list and sort).",
    },
    q.BatchQueryArgsSchema: {
        "atomic": "`true`: every record is created or none is; `false`: each on its own.",
    },
    ProjectExportArgsSchema: {
        "explode": "One row per project, or per country share or sector share of each project "
        "(the filters then select the exploded rows).",
        "excel": "`true` to start the file with a UTF-8 byte order mark, for Excel.",
    },
    SummaryArgsSchema: {
        "group_by": "One or more of "
        + ", ".join(reference.vocabulary("summary_dimensions"))
        + ", each once: comma-separated (`group_by=country,status`).",
        "convert_to": "Also convert the amounts into this currency with the registry's rates "
        "table (seed/reference/exchange_rates.csv); empty for none.",
        "excel": "`true` to start the file with a UTF-8 byte order mark, for Excel.",
    },
    ReviewQueueArgsSchema: {
        "status": "The review status to list.",
        "sort": "The order: `oldest` (waiting longest first, the default), `severity` "
        "(the most serious flag first), `newest`, or `country` (by the first recipient "
        "country's name).",
        "severity": "Only projects with a flag of this severity." + _REPEAT,
        "flag": "Only projects with this flag." + _REPEAT,
        "country": "Only projects with this recipient country (ISO 3166-1 code)." + _REPEAT,
        "page": "The page to show (1 first); `next` links to the following one.",
        "limit": "At most this many projects a page.",
    },
    CountryQueryArgsSchema: {"lang": "The language of the names."},
}


def parameter_description(field) -> str | None:
    """The description of a query parameter, from the most specific schema that has one."""
    for cls in type(field.parent).__mro__:
        described = PARAMETER_DESCRIPTIONS.get(cls, {})
        if field.name in described:
            return described[field.name]
    return None


def _character_class(characters) -> str:
    """A regular-expression character class body for `characters`, as ranges."""
    codes = sorted(ord(c) for c in characters)
    ranges, start = [], None
    for i, code in enumerate(codes):
        start = code if start is None else start
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            ranges.append((start, code))
            start = None

    def escape(code: int) -> str:  # forms ECMAScript, Python's re and Rust's regex share
        return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"

    return "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)


# What the Text field refuses (control characters) and what `strip` removes (str.isspace).
_CONTROL = _character_class([chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"])
_SPACE = _character_class(chr(c) for c in range(0x10000) if chr(c).isspace())


@cache
def _format_characters() -> str:
    """Invisible format characters (Unicode category Cf), refused in identifiers and codes.

    Only those of the Basic Multilingual Plane: a pattern has no portable way to name the
    few beyond it (tag characters, Egyptian format controls), which are refused too."""
    return _character_class(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf")


def _text(field) -> dict:
    ret = {}
    if field.min_length:
        ret["minLength"] = field.min_length
    if field.max_length is not None:
        ret["maxLength"] = field.max_length
    # Control characters are refused everywhere; some fields refuse more characters.
    refused = _CONTROL + "".join(re.escape(c) for c in sorted(field.forbidden))
    if getattr(field, "format_characters", None) == f.REFUSE:
        refused += _format_characters()
    if field.strip and field.min_length:  # trimmed first: needs something besides spaces
        ret["pattern"] = f"^[^{refused}]*[^{refused}{_SPACE}][^{refused}]*$"
    else:
        ret["pattern"] = f"^[^{refused}]*$"
    return ret


def _list(field) -> dict:
    ret = {}
    if field.min_items:
        ret["minItems"] = field.min_items
    if field.max_items is not None:
        ret["maxItems"] = field.max_items
    if field.unique:
        ret["uniqueItems"] = True
    return ret


def _flag(field) -> dict:
    # `true` or `false`; 1 and 0, any case and surrounding spaces are read too (schemas/query.py).
    words = "|".join("".join(f"[{c.upper()}{c}]" for c in word) for word in ("true", "false"))
    ret = {"pattern": f"^[{_SPACE}]*({words}|1|0)[{_SPACE}]*$", "example": "true"}
    if isinstance(field.load_default, bool):
        ret["default"] = str(field.load_default).lower()
    return ret


def _group_by(field) -> dict:
    # Sent as one comma-separated value (`style: form, explode: false`, see parameter()).
    dimensions = list(reference.vocabulary("summary_dimensions"))
    return {
        "items": {"type": "string", "enum": dimensions},
        "minItems": 1,
        "maxItems": len(dimensions),
        "uniqueItems": True,
    }


def _sorts() -> list[str]:
    return [prefix + name for name in q.SORTABLE for prefix in ("", "-")]


def _in_query(field) -> bool:
    """Whether `field` (or the list it is an item of) is a query parameter."""
    while field is not None and not isinstance(field, Schema):
        field = field.parent
    return isinstance(field, tuple(PARAMETER_DESCRIPTIONS))


def _country(field) -> dict:
    # A query parameter lists the alpha-2 codes (a choice in /api/docs); a body, which can be
    # long, gives the shape. Both accept alpha-3 and numeric codes too, in any case.
    if _in_query(field):
        return {"enum": sorted(c.alpha_2 for c in pycountry.countries)}
    return {
        "pattern": "^([A-Za-z]{2,3}|[0-9]{1,3})$",
        "description": "An ISO 3166-1 code: alpha-2 (VN), alpha-3 (VNM) or numeric (704).",
    }


def _currency(field) -> dict:
    # As for countries: a query parameter lists the codes, a body gives the shape.
    if _in_query(field):
        return {"enum": sorted(c.alpha_3 for c in pycountry.currencies)}
    return {"pattern": "^[A-Za-z]{3}$"}


def _sector(field) -> dict:
    return {
        "pattern": "^[0-9]{5}$",
        "description": "An active OECD DAC 5-digit purpose code (see GET /api/v1/sectors).",
    }


# Per field class: the OpenAPI type and format, and a function of the field for the rest.
FIELD_TYPES = {
    f.Text: ("string", None, _text),
    f.Choice: ("string", None, lambda fld: {"enum": list(reference.vocabulary(fld.vocabulary))}),
    f.CountryCode: ("string", None, _country),
    f.CurrencyCode: ("string", None, _currency),
    f.SectorCode: ("string", None, _sector),
    f.Number: (
        "string",
        None,
        lambda fld: {
            "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
            "description": "A decimal number, as a string (a JSON number is accepted too).",
        },
    ),
    f.Boolean: ("boolean", None, None),
    f.Date: ("string", "date", None),
    f.ServerOwned: ("string", None, None),
    f.List: (None, None, _list),
    q.RegionCode: ("string", None, lambda fld: {"enum": sorted(reference.region_names())}),
    q.SectorFilter: (
        "string",
        None,
        lambda fld: {"enum": sorted(reference.sector_categories()) + sorted(reference.sectors())},
    ),
    q.Sort: ("string", None, lambda fld: {"enum": _sorts()}),
    QueueSort: ("string", None, lambda fld: {"enum": list(QUEUE_SORTS)}),
    q.Timestamp: ("string", "date-time", None),
    q.Limit: ("integer", None, lambda fld: {"minimum": fld.minimum, "maximum": fld.maximum}),
    q.Flag: ("string", None, _flag),
    GroupBy: ("array", None, _group_by),
    CurrencyTarget: (
        "string",
        None,
        lambda fld: {
            "enum": ["", *sorted(reference.exchange_rates())],
            "default": "",
            "nullable": False,
        },
    ),
}


def register_fields(api) -> None:
    """Tell apispec how our custom marshmallow fields look in OpenAPI, and describe the
    query parameters."""
    for cls, (type_, format_, _extra) in FIELD_TYPES.items():
        if type_ is not None:
            api.register_field(cls, type_, format_)

    def attributes(self, field, **kwargs):
        for cls in type(field).__mro__:
            if cls in FIELD_TYPES:
                extra = FIELD_TYPES[cls][2]
                return extra(field) if extra else {}
        return {}

    def parameter(self, field, **kwargs):
        ret = {}
        description = parameter_description(field)
        if description:
            ret["description"] = description
        if isinstance(field, GroupBy):
            ret.update(style="form", explode=False)
        return ret

    api.ma_plugin.converter.add_attribute_function(attributes)
    api.ma_plugin.converter.add_parameter_attribute_function(parameter)
