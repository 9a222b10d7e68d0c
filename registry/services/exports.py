"""The planners' CSV exports: rows of the projects matching a list's filters, one per
project or one per country or sector share.

Rows are read as they are written (`yield_per` over a server-side cursor), so memory
stays flat whatever the size. Cells come from `registry.csv_cells`; flag codes with
severity and the review status go only to those who may see a project's screening;
rationale and reviewers' notes never go into a CSV.

Exploded, the filters select rows as well as projects: by country (or region) only
the matching country rows, by sector (or sector group) only the matching sector rows
(`ShareSelection`, which summaries use too).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.sql import ColumnElement

from registry import reference
from registry.csv_cells import (
    SHAPES,
    RawLine,
    columns_for,
    encode_cells,
    project_cells,
    share_cells,
)
from registry.extensions import db
from registry.models import Organisation, Project, ProjectFlag
from registry.project_view import ProjectView
from registry.services import listing, permissions
from registry.services.actors import Actor
from registry.services.derived import VIEW_SELECT, stale
from registry.services.errors import ValidationFailed

# Table columns (Core): exports read hundreds of thousands of rows, and the ORM's
# loading steps would cost more than writing the CSV.
P = Project.__table__.c
ORG = Organisation.__table__.c
F = ProjectFlag.__table__.c
_SHARE_SELECT = select(
    P.id,
    P.identifier,
    P.title,
    P.status,
    P.instrument,
    P.currency,
    P.amount,
    P.recipient_countries,
    P.sectors,
    P.updated_at,
    P.reporting_org_id,
    P.review_status,
    ORG.ref,
).join(Organisation.__table__, ORG.id == P.reporting_org_id)
_LINE_SELECT = select(
    P.id, P.export_cells, P.render_version, P.reporting_org_id, P.review_status, P.updated_at
)


@dataclass(frozen=True)
class ShareSelection:
    """The country and sector shares a list's filters select, as rows of an exploded
    export or of a summary split by country or sector (the filters' meaning for whole
    projects is `listing.project_filter`).

    A country share is selected when its code is in each set asked for (the countries
    of `country`, those of the regions of `region`); a sector share when it is one of
    the `sector` codes or categories and in one of the `sector_group`s. A dimension
    without a filter selects every share.
    """

    countries: tuple[frozenset[str], ...] = ()
    # (codes, 3-digit categories) of each sector filter.
    sectors: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()

    @classmethod
    def of(cls, filters: dict) -> ShareSelection:
        countries = []
        if filters.get("country"):
            countries.append(frozenset(filters["country"]))
        if filters.get("region"):
            countries.append(
                frozenset(c for r in filters["region"] for c in reference.countries_in_region(r))
            )
        sectors = []
        if filters.get("sector"):
            chosen = filters["sector"]
            codes = frozenset(s for s in chosen if len(s) == 5)
            sectors.append((codes, frozenset(s for s in chosen if len(s) == 3)))
        if filters.get("sector_group"):
            groups = set(filters["sector_group"])
            codes = frozenset(c for c, s in reference.sectors().items() if s.group in groups)
            sectors.append((codes, frozenset()))
        return cls(tuple(countries), tuple(sectors))

    def country(self, code: str) -> bool:
        return all(code in codes for codes in self.countries)

    def sector(self, code: str) -> bool:
        return all(code in codes or code[:3] in categories for codes, categories in self.sectors)

    def keep(self, shape: str) -> Callable[[str], bool] | None:
        """Whether to write a share of an export of `shape` (None: every share)."""
        if shape == "country":
            return self.country if self.countries else None
        return self.sector if self.sectors else None

    def country_sql(self, code: ColumnElement) -> list[ColumnElement]:
        """The same selection as WHERE conditions on a country code column."""
        return [code.in_(sorted(codes)) for codes in self.countries]

    def sector_sql(self, code: ColumnElement, category: ColumnElement) -> list[ColumnElement]:
        """The same selection as WHERE conditions on sector code and category columns."""
        return [
            or_(code.in_(sorted(codes)), category.in_(sorted(categories)))
            for codes, categories in self.sectors
        ]


def _flags_by_project(ids: list[int]) -> dict[int, str]:
    """`CODE:severity; …` per project, for one batch of ids (one query)."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        select(F.project_id, F.code, F.severity)
        .where(F.project_id.in_(ids))
        .order_by(F.project_id, F.position)
    )
    for project_id, code, severity in rows:
        found[project_id].append(f"{code}:{severity}")
    return {project_id: "; ".join(codes) for project_id, codes in found.items()}


def _security(rows, viewer: Actor) -> tuple[set[int], dict[int, str]]:
    """Ids among `rows` whose screening the viewer may see, and their flags."""
    shown = {r.id for r in rows if permissions.can_see_security(viewer, r.reporting_org_id)}
    return shown, (_flags_by_project(sorted(shown)) if shown else {})


def _stream(query, filters: dict, viewer: Actor, batch: int):
    """Batches of the matching rows, read through a server-side cursor on a connection of
    the stream's own, closed as soon as the reader stops, even part-way (a preview reads
    only the first rows).

    Not the request's session: a download's first rows are read in the view, and the
    request's session ends when the view returns, while the rest is still to be sent
    (on PostgreSQL that closed the cursor after the first batch)."""
    query = query.where(*listing.project_filter(filters, viewer)).order_by(P.id)
    with db.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
        try:
            yield from result.partitions()
        finally:
            result.close()


def project_export(
    filters: dict, viewer: Actor, shape: str, base_url: str, batch: int = 2000
) -> Iterator[list[str]]:
    """The rows of `project_rows`, once everything that could refuse them is checked.

    A CSV is streamed: once its first row is sent, the answer is a 200 that can no longer
    become an error. So the filters the viewer may not use (PermissionDenied) and an
    unknown shape (ValidationFailed) are refused here, before the first row. The rows
    are read lazily, as the response sends them.
    """
    if shape not in SHAPES:
        raise ValidationFailed(
            [
                {
                    "field": "explode",
                    "code": "invalid_choice",
                    "message": f"Must be one of: {', '.join(SHAPES)}.",
                }
            ]
        )
    listing.project_filter(filters, viewer)
    return project_rows(filters, viewer, shape, base_url, batch)


def project_rows(
    filters: dict, viewer: Actor, shape: str, base_url: str, batch: int = 2000
) -> Iterator[list[str]]:
    """Rows (header first) for the projects matching `filters`.

    Read with Core through a server-side cursor, `batch` rows at a time, with one
    flags query per batch: memory stays flat and no ORM objects are built.
    Raises PermissionDenied for a filter the viewer may not use.
    """
    yield list(columns_for(shape))
    if shape == "project":
        yield from _project_lines(filters, viewer, base_url, batch)
        return
    keep = ShareSelection.of(filters).keep(shape)
    for rows in _stream(_SHARE_SELECT, filters, viewer, batch):
        shown, flags = _security(rows, viewer)
        for r in rows:
            security = (flags.get(r.id, ""), r.review_status) if r.id in shown else ("", "")
            tail = (
                *security,
                r.updated_at.isoformat(timespec="seconds"),
                f"{base_url}/projects/{r.id}",
            )
            yield from share_cells(shape, r, tail, keep)


def _project_lines(filters: dict, viewer: Actor, base_url: str, batch: int) -> Iterator[RawLine]:
    """One line per project from the stored cells (`Project.export_cells`), rendered
    afresh where stale, plus the reader's security columns, the time and the link."""
    url_prefix = f"{base_url}/projects/"
    # The link needs CSV quoting only if the base URL has a comma, quote or line break.
    plain_urls = encode_cells([url_prefix]) == url_prefix
    for rows in _stream(_LINE_SELECT, filters, viewer, batch):
        shown, flags = _security(rows, viewer)
        fresh = _fresh_cells([r.id for r in rows if stale(r, r.export_cells)])
        for r in rows:
            stored = fresh.get(r.id) or r.export_cells
            security = f"{flags.get(r.id, '')},{r.review_status}" if r.id in shown else ","
            url = f"{url_prefix}{r.id}"
            yield RawLine(
                f"{stored},{security},{r.updated_at.isoformat(timespec='seconds')},"
                f"{url if plain_urls else encode_cells([url])}\r\n"
            )


def _fresh_cells(ids: list[int]) -> dict[int, str]:
    """Cells of projects whose stored cells are stale, rendered from their rows."""
    if not ids:
        return {}
    rows = db.session.execute(VIEW_SELECT.where(P.id.in_(ids)))
    return {r.id: encode_cells(project_cells(ProjectView.from_row(r))) for r in rows}
