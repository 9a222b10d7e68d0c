"""Streaming CSV writers: project records (one row per project, or per country or sector
share) that open cleanly in a spreadsheet.

Rows are written as they are read (`yield_per` over a server-side cursor), so memory
stays flat whatever the size. Every cell that a spreadsheet would read as a formula
is neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from flask import Response, stream_with_context
from sqlalchemy import String, select, type_coerce

from registry import reference
from registry.extensions import db
from registry.models import Organisation, Project, ProjectFlag
from registry.services import countries, listing, screening
from registry.services.actors import Actor
from registry.shares import shares_bp

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHAPES = ("project", "country", "sector")
PROJECT_COLUMNS = (
    "identifier",
    "title",
    "status",
    "reporting_org",
    "recipient_country_codes",
    "recipient_country_names",
    "regions",
    "sector_codes",
    "sector_names",
    "instrument",
    "amount",
    "currency",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "participants",
    "flags",
    "review_status",
    "updated_at",
    "url",
)
EXPLODED_COLUMNS = {
    "country": (
        "identifier",
        "title",
        "status",
        "reporting_org",
        "country_code",
        "country_name",
        "region",
        "share_percentage",
        "share_amount",
        "currency",
        "instrument",
        "flags",
        "review_status",
        "updated_at",
        "url",
    ),
    "sector": (
        "identifier",
        "title",
        "status",
        "reporting_org",
        "sector_code",
        "sector_name",
        "sector_group",
        "share_percentage",
        "share_amount",
        "currency",
        "instrument",
        "flags",
        "review_status",
        "updated_at",
        "url",
    ),
}
CENT = Decimal("0.01")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: formulas neutralised with a leading `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def columns_for(shape: str) -> tuple[str, ...]:
    return PROJECT_COLUMNS if shape == "project" else EXPLODED_COLUMNS[shape]


def _shares(entries: list[dict]) -> list[tuple[str, Decimal]]:
    """(code, percentage), by the same rule as the summaries (registry.shares)."""
    return [(e["code"], Decimal(bp) / 100) for e, bp in zip(entries, shares_bp(entries))]


# Table columns (Core): exports read hundreds of thousands of rows, and the ORM's
# loading steps would cost more than writing the CSV.
P = Project.__table__.c
O = Organisation.__table__.c
# Dates are read as the database's ISO text: no parsing just to print them again.
_DATES = tuple(
    type_coerce(column, String).label(column.key)
    for column in (P.planned_start, P.planned_end, P.actual_start, P.actual_end)
)
_EXPORT_SELECT = select(
    P.id,
    P.identifier,
    P.title,
    P.status,
    P.instrument,
    P.currency,
    P.amount,
    *_DATES,
    P.recipient_countries,
    P.sectors,
    P.participants,
    P.updated_at,
    P.reporting_org_id,
    P.review_status,
    O.ref,
).join(Organisation.__table__, O.id == P.reporting_org_id)
_LINE_SELECT = select(P.id, P.export_cells, P.reporting_org_id, P.review_status, P.updated_at)


class RawLine(str):
    """An already-encoded CSV line (with its line end) that csv_stream writes as it is."""


def project_cells(project, org_ref: str) -> list[str]:
    """The cells of a one-row-per-project export that depend only on the record, from
    `identifier` to `participants`, neutralised."""
    regions = reference.regions()
    sectors = reference.sectors()
    codes = [c["code"] for c in project.recipient_countries]
    cells = (
        project.identifier,
        project.title,
        project.status,
        org_ref,
        "; ".join(codes),
        "; ".join(countries.country_name(c) for c in codes),
        "; ".join(dict.fromkeys(regions[c].subregion_name for c in codes if c in regions)),
        "; ".join(s["code"] for s in project.sectors),
        "; ".join(sectors[s["code"]].name for s in project.sectors),
        project.instrument,
        Decimal(project.amount).quantize(CENT),
        project.currency,
        project.planned_start,
        project.planned_end,
        project.actual_start,
        project.actual_end,
        "; ".join(f"{p['name']} ({p['role']})" for p in project.participants),
    )
    return [safe_cell(c) for c in cells]


def encode_cells(cells: list[str]) -> str:
    """Cells as one CSV line, without its line end."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def _flags_by_project(ids: list[int]) -> dict[int, str]:
    """`CODE:severity; …` per project, for one batch of ids (one query)."""
    found: dict[int, list[str]] = defaultdict(list)
    flag = ProjectFlag.__table__.c
    rows = db.session.execute(
        select(flag.project_id, flag.code, flag.severity)
        .where(flag.project_id.in_(ids))
        .order_by(flag.project_id, flag.position)
    )
    for project_id, code, severity in rows:
        found[project_id].append(f"{code}:{severity}")
    return {project_id: "; ".join(codes) for project_id, codes in found.items()}


def project_rows(
    filters: dict, viewer: Actor, shape: str, base_url: str, batch: int = 2000
) -> Iterator[list[str]]:
    """Rows (header first) for the projects matching `filters`.

    Read with Core through a server-side cursor, `batch` rows at a time, with one
    flags query per batch: memory stays flat and no ORM objects are built. Flag codes
    with severity and the review status go only to those who may see a project's
    screening; rationale and reviewers' notes never go into a CSV.
    """
    yield list(columns_for(shape))
    if shape == "project":
        yield from _project_lines(filters, viewer, base_url, batch)
        return
    regions = reference.regions()
    sectors = reference.sectors()
    query = _EXPORT_SELECT.where(*listing.project_filter(filters, viewer)).order_by(P.id)
    result = db.session.execute(
        query, execution_options={"stream_results": True, "yield_per": batch}
    )
    for rows in result.partitions():
        shown = _visible(rows, viewer)
        flags = _flags_by_project(sorted(shown)) if shown else {}
        for r in rows:
            security = (flags.get(r.id, ""), r.review_status) if r.id in shown else ("", "")
            common = (r.identifier, r.title, r.status, r.ref)
            tail = (
                *security,
                r.updated_at.isoformat(timespec="seconds"),
                f"{base_url}/projects/{r.id}",
            )
            entries = r.recipient_countries if shape == "country" else r.sectors
            for code, percentage in _shares(entries):
                share = (r.amount * percentage / 100).quantize(CENT, ROUND_HALF_EVEN)
                if shape == "country":
                    place = (
                        code,
                        countries.country_name(code),
                        regions[code].subregion_name if code in regions else "",
                    )
                else:
                    place = (code, sectors[code].name, sectors[code].group)
                cells = (
                    *common,
                    *place,
                    format(percentage.normalize(), "f"),
                    share,
                    r.currency,
                    r.instrument,
                    *tail,
                )
                yield [safe_cell(c) for c in cells]


def _visible(rows, viewer: Actor) -> set[int]:
    """Ids among `rows` whose screening the viewer may see (a ministry: its own)."""
    return {r.id for r in rows if screening.can_see_security(viewer, r)}


def _project_lines(filters: dict, viewer: Actor, base_url: str, batch: int) -> Iterator[RawLine]:
    """One line per project from the stored cells (`Project.export_cells`, written with
    every version), plus the reader's security columns, the time and the link."""
    query = _LINE_SELECT.where(*listing.project_filter(filters, viewer)).order_by(P.id)
    result = db.session.execute(
        query, execution_options={"stream_results": True, "yield_per": batch}
    )
    url_prefix = f"{base_url}/projects/"
    # The link needs CSV quoting only if the base URL has a comma, quote or line break.
    plain_urls = encode_cells([url_prefix]) == url_prefix
    for rows in result.partitions():
        shown = _visible(rows, viewer)
        flags = _flags_by_project(sorted(shown)) if shown else {}
        missing = [r.id for r in rows if r.export_cells is None]
        rendered = _render_cells(missing) if missing else {}
        for r in rows:
            stored = r.export_cells if r.export_cells is not None else rendered[r.id]
            security = f"{flags.get(r.id, '')},{r.review_status}" if r.id in shown else ","
            url = f"{url_prefix}{r.id}"
            yield RawLine(
                f"{stored},{security},{r.updated_at.isoformat(timespec='seconds')},"
                f"{url if plain_urls else encode_cells([url])}\r\n"
            )


def _render_cells(ids: list[int]) -> dict[int, str]:
    """Cells of projects stored before `export_cells` existed, rendered from their rows."""
    rows = db.session.execute(_EXPORT_SELECT.where(P.id.in_(ids)))
    return {r.id: encode_cells(project_cells(r, r.ref)) for r in rows}


def csv_stream(
    rows: Iterable[list[str]], *, bom: bool = False, chunk_rows: int = 500
) -> Iterator[bytes]:
    """CSV bytes, a few hundred rows at a time; RawLine rows go through as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    pending = 0
    for row in rows:
        if isinstance(row, RawLine):
            buffer.write(row)
        else:
            writer.writerow(row)
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def project_export_stem(shape: str) -> str:
    return "projects" if shape == "project" else f"projects-by-{shape}"


def csv_response(rows: Iterable[list[str]], what: str, *, excel: bool) -> Response:
    """A streamed CSV download named for `what` and now (with a BOM for Excel when asked)."""
    return Response(
        stream_with_context(csv_stream(rows, bom=excel)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export_filename(what)}"'},
    )


def export_filename(what: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H%MZ")
    return f"registry-{what}-{stamp}.csv"


def safe_rows(header: list[str], rows: Iterable[list]) -> Iterator[list[str]]:
    """Header and rows as neutralised text cells."""
    yield list(header)
    for row in rows:
        yield [safe_cell(cell) for cell in row]
