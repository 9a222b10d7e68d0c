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
from types import SimpleNamespace

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from registry import reference
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
from registry.screening import REVIEWABLE
from registry.services import screening
from registry.services.actors import Actor
from registry.services.errors import PermissionDenied, ValidationFailed


@dataclass
class Page:
    items: list[SimpleNamespace]  # project views: see `project_views`
    next_cursor: str | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


SECURITY_FILTERS = ("flagged", "flag", "severity", "review_status")
# The tables' columns: Core expressions, so the list's query skips the ORM's compile and
# loading steps (it is the API's busiest path).
P = Project.__table__.c
C = ProjectCountry.__table__.c
S = ProjectSector.__table__.c
F = ProjectFlag.__table__.c
O = Organisation.__table__.c


def project_filter(filters: dict, viewer: Actor) -> list[ColumnElement]:
    """WHERE conditions for the filters; absent filters add nothing.

    Child-table filters are `id IN (SELECT project_id …)`, so SQLite starts from the
    selective index (a country's few hundred projects) instead of testing every row.

    Raises PermissionDenied when a viewer who may not see screening filters by it.
    """
    conditions: list[ColumnElement] = []
    used = [name for name in SECURITY_FILTERS if filters.get(name) not in (None, [])]
    if used and not screening.can_filter_by_security(viewer):
        raise PermissionDenied(
            f"Partner ministries cannot filter by security flag or review "
            f"status ({', '.join(used)})."
        )
    if filters.get("flagged") is not None:
        reviewable = P.id.in_(select(F.project_id).where(F.severity.in_(REVIEWABLE)))
        conditions.append(reviewable if filters["flagged"] else ~reviewable)
    if filters.get("flag"):
        conditions.append(P.id.in_(select(F.project_id).where(F.code.in_(filters["flag"]))))
    if filters.get("severity"):
        conditions.append(P.id.in_(select(F.project_id).where(F.severity.in_(filters["severity"]))))
    if filters.get("review_status"):
        conditions.append(P.review_status.in_(filters["review_status"]))
    if not filters.get("include_withdrawn"):
        conditions.append(P.withdrawn_at.is_(None))
    countries = set(filters.get("country") or [])
    if countries:
        conditions.append(P.id.in_(select(C.project_id).where(C.code.in_(sorted(countries)))))
    regions = filters.get("region") or []
    if regions:
        in_regions = sorted({c for r in regions for c in reference.countries_in_region(r)})
        conditions.append(P.id.in_(select(C.project_id).where(C.code.in_(in_regions))))
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
    if filters.get("status"):
        conditions.append(P.status.in_(filters["status"]))
    if filters.get("instrument"):
        conditions.append(P.instrument.in_(filters["instrument"]))
    if filters.get("reporting_org"):
        conditions.append(
            P.reporting_org_id.in_(select(O.id).where(O.ref.in_(filters["reporting_org"])))
        )
    if filters.get("updated_since"):
        conditions.append(P.updated_at >= filters["updated_since"])
    query = (filters.get("q") or "").strip().casefold()
    for word in query.split():
        conditions.append(P.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return conditions


def _sort_column(sort: str):
    return getattr(P, sort.lstrip("-"))


def _cursor_encode(sort: str, project: Project) -> str:
    value = getattr(project, sort.lstrip("-"))
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, project.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(sort: str, cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(last_id, int):
            raise ValueError
        if sort.lstrip("-") in ("updated_at", "created_at"):
            value = dt.datetime.fromisoformat(value)
        elif sort.lstrip("-") == "start_year" and not isinstance(value, int):
            raise ValueError
        elif sort.lstrip("-") in ("identifier", "title") and not isinstance(value, str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            [
                {
                    "field": "cursor",
                    "code": "invalid_cursor",
                    "message": "Not a cursor of this list and sort; use the `next` link of the previous "
                    "page unchanged.",
                }
            ]
        ) from None
    return value, last_id


def project_page(
    filters: dict,
    viewer: Actor,
    *,
    sort: str = "-updated_at",
    limit: int = 50,
    cursor: str | None = None,
    stored_documents: bool = False,
) -> Page:
    """One page of projects matching `filters`.

    With `stored_documents`, the items carry only what `document_json` needs (the
    stored document, ownership, review status, flags), which keeps the API's list
    from decoding every JSON column of every row.
    Raises ValidationFailed for a bad cursor, PermissionDenied for a forbidden filter.
    """
    column = _sort_column(sort)
    descending = sort.startswith("-")
    conditions = project_filter(filters, viewer)
    if cursor:
        value, last_id = _cursor_decode(sort, cursor)
        if descending:
            conditions.append(or_(column < value, and_(column == value, P.id < last_id)))
        else:
            conditions.append(or_(column > value, and_(column == value, P.id > last_id)))
    order = (column.desc(), P.id.desc()) if descending else (column.asc(), P.id.asc())
    query = _STORED_SELECT.add_columns(column) if stored_documents else _VIEW_SELECT
    rows = db.session.execute(query.where(*conditions).order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if stored_documents and any(row.document is None for row in rows):
        rows = _full_rows_where_unstored(rows)
    if stored_documents and not any(
        row.document is None or screening.can_see_security(viewer, row) for row in rows
    ):
        # Stored documents with no screening to add (others' projects seen by a ministry):
        # the rows themselves are the items.
        items = rows
    else:
        items = project_views(rows, viewer)
    return Page(items, _cursor_encode(sort, items[-1]) if more else None)


# The SELECTs are built once (Core, no ORM instances): the busiest paths only add WHERE,
# ORDER BY and LIMIT to them.
# Everything a project document needs: the project's columns and its reporting org.
_VIEW_SELECT = select(
    *(c for c in Project.__table__.c if c.name != "search_text"),
    O.ref.label("org_ref"),
    O.name.label("org_name"),
).join(Organisation.__table__, O.id == P.reporting_org_id)
# What a stored document needs around it; project_page adds the sort column.
_STORED_SELECT = select(P.id, P.document, P.reporting_org_id, P.review_status, P.ruleset_version)


def _full_rows_where_unstored(rows) -> list:
    """Rows written before documents were stored are read in full, to be rendered."""
    missing = [row.id for row in rows if row.document is None]
    full = {row.id: row for row in db.session.execute(_VIEW_SELECT.where(P.id.in_(missing)))}
    return [full.get(row.id, row) for row in rows]


def project_views(rows, viewer: Actor) -> list[SimpleNamespace]:
    """Rows of `view_query` as objects that read like a Project (for project_document),
    with their flags (and, for those who may see them, decisions) loaded in one query each."""
    ids = [row.id for row in rows if screening.can_see_security(viewer, row)]
    flags: dict[int, list] = defaultdict(list)
    decisions: dict[int, list] = defaultdict(list)
    if ids:
        for flag in db.session.execute(
            select(ProjectFlag.__table__)
            .where(F.project_id.in_(ids))
            .order_by(F.project_id, F.position)
        ):
            flags[flag.project_id].append(flag)
        if viewer.role in screening.FULL_VIEW_ROLES:
            for decision in db.session.execute(
                select(ReviewDecision.__table__)
                .where(ReviewDecision.__table__.c.project_id.in_(ids))
                .order_by(ReviewDecision.__table__.c.id)
            ):
                decisions[decision.project_id].append(decision)
    views = []
    for row in rows:
        view = SimpleNamespace(**row._mapping, flags=flags[row.id], decisions=decisions[row.id])
        if "org_ref" in row._mapping:
            view.reporting_org = SimpleNamespace(ref=row.org_ref, name=row.org_name)
        views.append(view)
    return views


def project_count(filters: dict, viewer: Actor) -> int:
    return db.session.scalar(select(func.count(Project.id)).where(*project_filter(filters, viewer)))


def project_facets(filters: dict, viewer: Actor) -> dict[str, list[tuple[str, int]]]:
    """Counts of the matching projects by each facet value, largest first.

    Screening facets only for viewers who may see screening. A project with two
    countries in one region counts once for that region.
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
    if screening.can_filter_by_security(viewer):
        queries["flag"] = (
            select(ProjectFlag.code, func.count(func.distinct(ProjectFlag.project_id)))
            .where(ProjectFlag.project_id.in_(select(matching.c.id)))
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
