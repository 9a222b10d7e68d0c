"""Query parameters of project lists, shared by the API, the browse pages and the exports."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields

from registry import reference
from schemas.base import StrictSchema
from schemas.fields import (
    DROP,
    REFUSE,
    Choice,
    Coded,
    CountryCode,
    CurrencyCode,
    List,
    Text,
    fail,
)

SORTABLE = ("updated_at", "created_at", "identifier", "title", "start_year")
MAX_LIMIT = 200
YEAR_RANGE = (1900, 2100)


class RegionCode(Coded, fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        code = str(value).strip().zfill(3) if str(value).strip().isdigit() else None
        if code not in reference.region_names():
            fail(
                f"{value!r} is not a UN M49 region, sub-region or intermediate-region code "
                "(for example 142 Asia, 035 South-eastern Asia).",
                "invalid_region",
            )
        return code


class SectorFilter(Coded, fields.Field):
    """A 5-digit DAC purpose code or a 3-digit DAC category."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = str(value).strip()
        known = reference.sectors() if len(value) == 5 else reference.sector_categories()
        if not value.isdigit() or value not in known:
            fail(
                f"{value!r} is not a DAC 5-digit purpose code or 3-digit category "
                "(see GET /api/v1/sectors).",
                "invalid_sector",
            )
        return value


class Sort(Coded, fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        name = value[1:] if value.startswith("-") else value
        if name not in SORTABLE:
            fail(
                f"{value!r} cannot be sorted on; allowed: {', '.join(SORTABLE)} "
                "(prefix - for descending).",
                "invalid_sort",
            )
        return value


class Timestamp(Coded, fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            fail(
                f"{value!r} is not an ISO 8601 date or date-time (2026-01-31 or "
                "2026-01-31T09:00:00Z).",
                "invalid_datetime",
            )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed


class Limit(Coded, fields.Field):
    """A page size from 1 to `maximum` (a number, or its text in a query string)."""

    def __init__(self, maximum: int = MAX_LIMIT, minimum: int = 1, **kw):
        super().__init__(**kw)
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip()
        if (
            isinstance(value, bool)
            or not (text.isascii() and text.isdigit())  # not ٥٠ nor ５０
            or not self.minimum <= int(text) <= self.maximum
        ):
            fail(
                f"Must be a whole number from {self.minimum} to {self.maximum}; got {value!r}.",
                "out_of_range",
            )
        return int(text)


def Year(**kw) -> Limit:
    """A year a project starts in, as the record's `start_year` holds it."""
    return Limit(maximum=YEAR_RANGE[1], minimum=YEAR_RANGE[0], **kw)


class Flag(Coded, fields.Field):
    """`true` or `false` in a query string."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0"):
            fail(f"Must be true or false; got {value!r}.", "invalid_type")
        return text in ("true", "1")


class ProjectFilterSchema(StrictSchema):
    """The filters of a project list. Repeating a filter means any of its values."""

    country = List(CountryCode())
    region = List(RegionCode())
    sector = List(SectorFilter())
    sector_group = List(Choice("sector_groups"))
    status = List(Choice("statuses"))
    instrument = List(Choice("instruments"))
    currency = List(CurrencyCode())
    start_year = List(Year())
    reporting_org = List(Text(min_length=1, max_length=100, format_characters=REFUSE))
    updated_since = Timestamp()
    q = Text(max_length=200, format_characters=DROP)  # as search_text: compared without them
    include_withdrawn = Flag(load_default=False)
    # Screening filters: not for partner ministries (403).
    flagged = Flag()
    flag = List(Choice("flags"))
    severity = List(Choice("severities"))
    review_status = List(Choice("review_statuses"))


class ProjectQueryArgsSchema(ProjectFilterSchema):
    """A list page: the filters, a sort, a page size and a cursor."""

    sort = Sort(load_default="-updated_at")
    limit = Limit(load_default=50)
    cursor = Text(max_length=500, format_characters=REFUSE)
    # Pages: information-only flags (CRITICAL_INFRASTRUCTURE) in the flag facet too.
    information_flags = Flag(load_default=False)


class BatchQueryArgsSchema(StrictSchema):
    atomic = Flag(load_default=False)
