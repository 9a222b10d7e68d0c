"""The one query builder behind the API list, the browse pages and the CSV exports.

`project_filter` turns validated filters (schemas.query.ProjectFilterSchema) into a
WHERE clause, so a filter means the same thing on every face of the registry.
Pages use keyset (cursor) pagination: stable while records are added.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from registry import reference, rules
from registry.extensions import db
from registry.models import (
    Organisation,
    Project,
    ProjectCountry,
    ProjectFlag,
    ProjectSector,
    RefCountry,
    RefSector,
    ReviewDecision,
)
from registry.project_view import ProjectView, ScreeningView
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.derived import VIEW_SELECT, stale
from registry.services.documents import document_json, document_text
from registry.services.errors import PermissionDenied, ValidationFailed


@dataclass
class Page:
    items: list[ProjectView]
    next_cursor: str | None


@dataclass
class DocumentPage:
    """A page of projects as API JSON documents (text), for the API's list."""

    items: list[str]
    next_cursor: str | None


SECURITY_FILTERS = ("flagged", "flag", "severity", "review_status")
# The tables' columns: Core expressions, so the list's query skips the ORM's compile and
# loading steps (it is the API's busiest path).
P = Project.__table__.c
C = ProjectCountry.__table__.c
S = ProjectSector.__table__.c
F = ProjectFlag.__table__.c
D = ReviewDecision.__table__.c
ORG = Organisation.__table__.c


def _projects_with_flags(condition) -> ColumnElement:
    return P.id.in_(select(F.project_id).where(condition))


def _security_conditions(filters: dict) -> list[ColumnElement]:
    conditions = []
    if filters.get("flagged") is not None:
        reviewable = _projects_with_flags(F.severity.in_(rules.REVIEWABLE))
        conditions.append(reviewable if filters["flagged"] else ~reviewable)
    if filters.get("flag"):
        conditions.append(_projects_with_flags(F.code.in_(filters["flag"])))
    if filters.get("severity"):
        conditions.append(_projects_with_flags(F.severity.in_(filters["severity"])))
    if filters.get("review_status"):
        conditions.append(P.review_status.in_(filters["review_status"]))
    return conditions


def _country_codes(filters: dict) -> list[list[str]]:
    """Country code sets to match: the countries asked for, and each region's countries."""
    sets = []
    if filters.get("country"):
        sets.append(sorted(set(filters["country"])))
    if filters.get("region"):
        sets.append(
            sorted({c for r in filters["region"] for c in reference.countries_in_region(r)})
        )
    return sets


def _sector_conditions(filters: dict) -> list[ColumnElement]:
    conditions = []
    sectors = filters.get("sector") or []
    if sectors:
        codes = [s for s in sectors if len(s) == 5]
        categories = [s for s in sectors if len(s) == 3]
        conditions.append(
            P.id.in_(select(S.project_id).where(or_(S.code.in_(codes), S.category.in_(categories))))
        )
    groups = filters.get("sector_group") or []
    if groups:
        codes = sorted(code for code, s in reference.sectors().items() if s.group in groups)
        conditions.append(P.id.in_(select(S.project_id).where(S.code.in_(codes))))
    return conditions


def _record_conditions(filters: dict) -> list[ColumnElement]:
    conditions = []
    if not filters.get("include_withdrawn"):
        conditions.append(P.withdrawn_at.is_(None))
    for name in ("status", "instrument", "currency", "start_year"):
        if filters.get(name):
            conditions.append(P[name].in_(filters[name]))
    if filters.get("reporting_org"):
        conditions.append(
            P.reporting_org_id.in_(select(ORG.id).where(ORG.ref.in_(filters["reporting_org"])))
        )
    if filters.get("updated_since"):
        conditions.append(P.updated_at >= filters["updated_since"])
    for word in (filters.get("q") or "").strip().casefold().split():
        conditions.append(P.search_text.contains(word, autoescape=True))
    return conditions


def project_filter(filters: dict, viewer: Actor) -> list[ColumnElement]:
    """WHERE conditions for the filters; absent filters add nothing.

    Child-table filters are `id IN (SELECT project_id …)`, so SQLite starts from the
    selective index (a country's few hundred projects) instead of testing every row.

    Raises PermissionDenied when a viewer who may not see screening filters by it.
    """
    used = [name for name in SECURITY_FILTERS if filters.get(name) not in (None, [])]
    if used and not permissions.can_filter_by_security(viewer):
        raise PermissionDenied(
            f"Partner ministries cannot filter by security flag or review "
            f"status ({', '.join(used)})."
        )
    conditions = _security_conditions(filters) + _record_conditions(filters)
    for codes in _country_codes(filters):
        conditions.append(P.id.in_(select(C.project_id).where(C.code.in_(codes))))
    return conditions + _sector_conditions(filters)


# ---------------------------------------------------------------- pages


def _cursor_encode(sort: str, value, project_id: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, project_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# What a cursor may hold: values the database can compare with the sort column (an
# INTEGER is 32 bits on PostgreSQL; text no longer than the column, without NUL, in UTF-8).
_INT32 = (-(2**31), 2**31 - 1)
_CURSOR_TIMES = ("updated_at", "created_at")
_CURSOR_TEXTS = ("identifier", "title")


def _int32(value) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and _INT32[0] <= value <= _INT32[1]
    )


def _cursor_value(name: str, value):
    """The cursor's value of sort column `name`, as the database compares it.

    Raises ValueError (UnicodeError, OverflowError) for one it could not compare."""
    if name in _CURSOR_TIMES:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time needs its zone")
        return moment.astimezone(dt.UTC)
    if name == "start_year" and _int32(value):
        return value
    if name in _CURSOR_TEXTS and _comparable_text(value, P[name].type.length):
        return value
    raise ValueError(f"not a cursor value of {name}")


def _comparable_text(value, length: int) -> bool:
    """Text the column can hold: a str of at most `length` characters, no NUL, in UTF-8."""
    if not isinstance(value, str) or len(value) > length or "\x00" in value:
        return False
    value.encode("utf-8")  # UnicodeEncodeError for a lone surrogate
    return True


def _cursor_decode(sort: str, cursor: str):
    """The sort value and project id a cursor of this sort holds.

    Raises ValidationFailed (422 `invalid_cursor`) for anything else: not base64 JSON,
    another sort, or values the database could not compare (an id past 32 bits, a time
    without a zone, text longer than its column)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = json.loads(raw)
        if cursor_sort != sort or not _int32(last_id) or last_id < 1:
            raise ValueError
        value = _cursor_value(sort.lstrip("-"), value)
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error):
        raise ValidationFailed(
            [
                {
                    "field": "cursor",
                    "code": "invalid_cursor",
                    "message": "Not a cursor of this list and sort; use the `next` link of the "
                    "previous page unchanged.",
                }
            ]
        ) from None
    return value, last_id


def _page_rows(select_, filters, viewer, sort, limit, cursor):
    """One page of rows of `select_` (with the sort column added), and the next cursor."""
    column = P[sort.lstrip("-")]
    descending = sort.startswith("-")
    conditions = project_filter(filters, viewer)
    if cursor:
        value, last_id = _cursor_decode(sort, cursor)
        if descending:
            conditions.append(or_(column < value, and_(column == value, P.id < last_id)))
        else:
            conditions.append(or_(column > value, and_(column == value, P.id > last_id)))
    order = (column.desc(), P.id.desc()) if descending else (column.asc(), P.id.asc())
    query = select_.add_columns(column.label("sort_value")).where(*conditions)
    rows = db.session.execute(query.order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _cursor_encode(sort, rows[-1].sort_value, rows[-1].id) if more else None
    return rows, next_cursor


def project_page(
    filters: dict,
    viewer: Actor,
    *,
    sort: str = "-updated_at",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """One page of projects matching `filters`, as views with the screening the viewer may see.

    Raises ValidationFailed for a bad cursor, PermissionDenied for a forbidden filter.
    """
    rows, next_cursor = _page_rows(VIEW_SELECT, filters, viewer, sort, limit, cursor)
    return Page(project_views(rows, viewer), next_cursor)


# What a stored document needs around it; the rows' other columns are read only when stale.
_DOCUMENT_SELECT = select(
    P.id, P.document, P.render_version, P.reporting_org_id, P.review_status, P.ruleset_version
)


def project_page_documents(
    filters: dict,
    viewer: Actor,
    *,
    sort: str = "-updated_at",
    limit: int = 50,
    cursor: str | None = None,
) -> DocumentPage:
    """One page of projects as their API documents for `viewer` (JSON text), from the text
    stored on each row; rows whose stored text is stale are rendered afresh.

    Raises ValidationFailed for a bad cursor, PermissionDenied for a forbidden filter.
    """
    rows, next_cursor = _page_rows(_DOCUMENT_SELECT, filters, viewer, sort, limit, cursor)
    texts = _fresh_documents([row.id for row in rows if stale(row, row.document)])
    screenings = _screenings(rows, viewer)
    items = []
    for row in rows:
        text = texts.get(row.id) or row.document
        screening = screenings.get(row.id)
        if screening is not None:
            text = document_json(text, row.reporting_org_id, screening, viewer)
        items.append(text)
    return DocumentPage(items, next_cursor)


def _fresh_documents(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(VIEW_SELECT.where(P.id.in_(ids)))
    return {row.id: document_text(ProjectView.from_row(row)) for row in rows}


def _screening_rows(rows, viewer: Actor) -> tuple[dict, dict]:
    """Flags and (for those who may see them) decisions of the rows whose screening the
    viewer may see, by project id: one query each."""
    ids = [row.id for row in rows if permissions.can_see_security(viewer, row.reporting_org_id)]
    flags: dict[int, list] = {i: [] for i in ids}
    decisions: dict[int, list] = defaultdict(list)
    if ids:
        for flag in db.session.execute(
            select(ProjectFlag.__table__)
            .where(F.project_id.in_(ids))
            .order_by(F.project_id, F.position)
        ):
            flags[flag.project_id].append(flag)
        if permissions.can_see_full_security(viewer):
            for decision in db.session.execute(
                select(ReviewDecision.__table__).where(D.project_id.in_(ids)).order_by(D.id)
            ):
                decisions[decision.project_id].append(decision)
    return flags, decisions


def _screenings(rows, viewer: Actor) -> dict[int, ScreeningView]:
    """The screening of each row the viewer may see, by project id."""
    flags, decisions = _screening_rows(rows, viewer)
    return {
        row.id: ScreeningView.of(
            row.review_status, row.ruleset_version, flags[row.id], decisions[row.id]
        )
        for row in rows
        if row.id in flags
    }


def project_views(rows, viewer: Actor) -> list[ProjectView]:
    """Rows of VIEW_SELECT as views, with the flags and decisions the viewer may see."""
    flags, decisions = _screening_rows(rows, viewer)
    return [ProjectView.from_row(row, flags.get(row.id, ()), decisions[row.id]) for row in rows]


def project_count(filters: dict, viewer: Actor) -> int:
    return db.session.scalar(select(func.count(Project.id)).where(*project_filter(filters, viewer)))


def hidden_flags(filters: dict, information_flags: bool = False) -> frozenset[str]:
    """The information-only flag codes (rules.toml `visible_by_default = false`) a list
    leaves out of its flag facet: none when asked for (`information_flags`, as an argument
    or a query setting, or a filter on severity info), and never one the filters name."""
    asked = information_flags or filters.get("information_flags")
    if asked or "info" in (filters.get("severity") or ()):
        return frozenset()
    return rules.information_flags() - set(filters.get("flag") or ())


def project_facets(
    filters: dict, viewer: Actor, *, information_flags: bool = False
) -> dict[str, list[tuple[str, int]]]:
    """Counts of the matching projects by each facet value, largest first.

    Screening facets only for viewers who may see screening; information-only flags only
    when asked for (`hidden_flags`). A project with two countries in one region counts
    once for that region.
    """
    matching = select(Project.id).where(*project_filter(filters, viewer)).subquery()
    in_match = Project.id.in_(select(matching.c.id))
    share_match = ProjectCountry.project_id.in_(select(matching.c.id))
    sector_match = ProjectSector.project_id.in_(select(matching.c.id))
    distinct = func.count(func.distinct(ProjectCountry.project_id))
    queries = {
        "region": select(RefCountry.region_code, distinct)
        .join(RefCountry, RefCountry.alpha2 == ProjectCountry.code)
        .where(share_match, RefCountry.region_code != "")
        .group_by(RefCountry.region_code),
        "country": select(ProjectCountry.code, distinct)
        .where(share_match)
        .group_by(ProjectCountry.code),
        "sector_group": select(
            RefSector.sector_group, func.count(func.distinct(ProjectSector.project_id))
        )
        .join(RefSector, RefSector.code == ProjectSector.code)
        .where(sector_match)
        .group_by(RefSector.sector_group),
        "status": select(Project.status, func.count()).where(in_match).group_by(Project.status),
        "instrument": select(Project.instrument, func.count())
        .where(in_match)
        .group_by(Project.instrument),
    }
    if permissions.can_filter_by_security(viewer):
        queries["flag"] = (
            select(ProjectFlag.code, func.count(func.distinct(ProjectFlag.project_id)))
            .where(
                ProjectFlag.project_id.in_(select(matching.c.id)),
                ProjectFlag.code.not_in(sorted(hidden_flags(filters, information_flags))),
            )
            .group_by(ProjectFlag.code)
        )
        queries["review_status"] = (
            select(Project.review_status, func.count())
            .where(in_match)
            .group_by(Project.review_status)
        )
    return {
        name: sorted(
            ((value, count) for value, count in db.session.execute(query)),
            key=lambda vc: (-vc[1], vc[0]),
        )
        for name, query in queries.items()
    }
