"""Streaming CSV writers: project records (one row per project, or per country or sector
share) that open cleanly in a spreadsheet.

Rows are written as they are read (`yield_per` over a server-side cursor), so memory
stays flat whatever the size. Every cell that a spreadsheet would read as a formula
is neutralised with a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select

from registry import reference
from registry.extensions import db
from registry.models import Project
from registry.services import countries, listing, screening
from registry.services.actors import Actor

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHAPES = ("project", "country", "sector")
PROJECT_COLUMNS = (
    "identifier", "title", "status", "reporting_org", "recipient_country_codes",
    "recipient_country_names", "regions", "sector_codes", "sector_names", "instrument", "amount",
    "currency", "planned_start", "planned_end", "actual_start", "actual_end", "participants",
    "flags", "review_status", "updated_at", "url",
)
EXPLODED_COLUMNS = {
    "country": ("identifier", "title", "status", "reporting_org", "country_code", "country_name",
                "region", "share_percentage", "share_amount", "currency", "instrument",
                "flags", "review_status", "updated_at", "url"),
    "sector": ("identifier", "title", "status", "reporting_org", "sector_code", "sector_name",
               "sector_group", "share_percentage", "share_amount", "currency", "instrument",
               "flags", "review_status", "updated_at", "url"),
}
CENT = Decimal("0.01")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: formulas neutralised with a leading `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def columns_for(shape: str) -> tuple[str, ...]:
    return PROJECT_COLUMNS if shape == "project" else EXPLODED_COLUMNS[shape]


def _shares(entries: list[dict]) -> list[tuple[str, Decimal]]:
    """(code, percentage) with even splits where none were given, as the summaries use."""
    given = [e.get("percentage") for e in entries]
    if entries and all(p is not None for p in given):
        return [(e["code"], Decimal(str(p))) for e, p in zip(entries, given)]
    base, rest = divmod(10_000, len(entries))
    return [(e["code"], Decimal(base + (1 if i < rest else 0)) / 100)
            for i, e in enumerate(entries)]


def _security_columns(project: Project, viewer: Actor) -> tuple[str, str]:
    """Flag codes with severity and the review status: what every role that may see a
    project's screening sees. Rationale and reviewers' notes never go into a CSV."""
    if not screening.can_see_security(viewer, project):
        return "", ""
    return "; ".join(f"{f.code}:{f.severity}" for f in project.flags), project.review_status


def project_rows(filters: dict, viewer: Actor, shape: str, base_url: str,
                 batch: int = 1000) -> Iterator[list[str]]:
    """Rows (header first) for the projects matching `filters`, read in batches."""
    yield list(columns_for(shape))
    regions = reference.regions()
    sectors = reference.sectors()
    query = (select(Project).where(*listing.project_filter(filters, viewer))
             .order_by(Project.id).execution_options(yield_per=batch))
    for project in db.session.scalars(query):
        db.session.expunge(project)  # keep the identity map from growing with the export
        flags, review = _security_columns(project, viewer)
        common = {
            "identifier": project.identifier, "title": project.title, "status": project.status,
            "reporting_org": project.reporting_org.ref, "instrument": project.instrument,
            "currency": project.currency, "flags": flags, "review_status": review,
            "updated_at": project.updated_at.isoformat(timespec="seconds"),
            "url": f"{base_url}/projects/{project.id}",
        }
        if shape == "project":
            codes = [c["code"] for c in project.recipient_countries]
            row = {
                **common,
                "recipient_country_codes": "; ".join(codes),
                "recipient_country_names": "; ".join(countries.country_name(c) for c in codes),
                "regions": "; ".join(dict.fromkeys(
                    regions[c].subregion_name for c in codes if c in regions)),
                "sector_codes": "; ".join(s["code"] for s in project.sectors),
                "sector_names": "; ".join(sectors[s["code"]].name for s in project.sectors),
                "amount": str(project.amount),
                "planned_start": project.planned_start, "planned_end": project.planned_end,
                "actual_start": project.actual_start, "actual_end": project.actual_end,
                "participants": "; ".join(f"{p['name']} ({p['role']})"
                                          for p in project.participants),
            }
            yield [safe_cell(row[c]) for c in PROJECT_COLUMNS]
            continue
        entries = project.recipient_countries if shape == "country" else project.sectors
        for code, percentage in _shares(entries):
            share = (project.amount * percentage / 100).quantize(CENT, ROUND_HALF_EVEN)
            if shape == "country":
                row = {**common, "country_code": code, "country_name": countries.country_name(code),
                       "region": regions[code].subregion_name if code in regions else ""}
            else:
                row = {**common, "sector_code": code, "sector_name": sectors[code].name,
                       "sector_group": sectors[code].group}
            row.update(share_percentage=format(percentage.normalize(), "f"), share_amount=share)
            yield [safe_cell(row[c]) for c in EXPLODED_COLUMNS[shape]]


def csv_stream(rows: Iterable[list[str]], *, bom: bool = False, chunk_rows: int = 500) -> Iterator[bytes]:
    """CSV bytes, a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def export_filename(what: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H%MZ")
    return f"registry-{what}-{stamp}.csv"




def safe_rows(header: list[str], rows: Iterable[list]) -> Iterator[list[str]]:
    """Header and rows as neutralised text cells."""
    yield list(header)
    for row in rows:
        yield [safe_cell(cell) for cell in row]
