"""CSV cells of the project exports, rendered from a ProjectView: columns, names, shares,
and formula neutralising. A pure leaf: no Flask, no database.

Every CSV the registry writes is RFC 4180: a cell with a comma, a quote, a CR or an LF
is quoted (quotes doubled), and every row ends in CRLF, so a line break inside a title
stays inside its cell. A cell that starts like a formula gets a leading `'`; a
spreadsheet reads a quoted cell as one cell and looks for a formula only at its start,
so a line break followed by `=` inside a cell is text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from registry import names, reference
from registry.formats import decimal_text
from registry.shares import split_amount

# A leading line break counts too: a spreadsheet that trims it would see what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
LINE_END = "\r\n"
SHAPES = reference.vocabulary("export_shapes")
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
_SHARE_COLUMNS = ("share_percentage", "share_amount", "currency", "instrument")
_TAIL_COLUMNS = ("flags", "review_status", "updated_at", "url")
_HEAD_COLUMNS = ("identifier", "title", "status", "reporting_org")
EXPLODED_COLUMNS = {
    "country": (
        *_HEAD_COLUMNS,
        "country_code",
        "country_name",
        "region",
        *_SHARE_COLUMNS,
        *_TAIL_COLUMNS,
    ),
    "sector": (
        *_HEAD_COLUMNS,
        "sector_code",
        "sector_name",
        "sector_group",
        *_SHARE_COLUMNS,
        *_TAIL_COLUMNS,
    ),
}


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: formulas neutralised with a leading `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def columns_for(shape: str) -> tuple[str, ...]:
    return PROJECT_COLUMNS if shape == "project" else EXPLODED_COLUMNS[shape]


def export_stem(shape: str) -> str:
    """The file name stem of a project export of this shape."""
    return "projects" if shape == "project" else f"projects-by-{shape}"


def _subregion(code: str) -> str:
    region = reference.regions().get(code)
    return region.subregion_name if region else ""


def project_cells(view) -> list[str]:
    """The cells of a one-row-per-project export that depend only on the record, from
    `identifier` to `participants`, neutralised."""
    codes = [c["code"] for c in view.recipient_countries]
    cells = (
        view.identifier,
        view.title,
        view.status,
        view.reporting_org.ref,
        "; ".join(codes),
        "; ".join(names.country_name(c) for c in codes),
        "; ".join(dict.fromkeys(_subregion(c) for c in codes if c in reference.regions())),
        "; ".join(s["code"] for s in view.sectors),
        "; ".join(names.sector_name(s["code"]) for s in view.sectors),
        view.instrument,
        Decimal(view.amount).quantize(Decimal("0.01")),
        view.currency,
        view.planned_start,
        view.planned_end,
        view.actual_start,
        view.actual_end,
        "; ".join(f"{p['name']} ({p['role']})" for p in view.participants),
    )
    return [safe_cell(c) for c in cells]


def encode_cells(cells: list[str]) -> str:
    """Cells as one CSV line, without its line end: quoted as in a whole row, so a cell
    with a CR or an LF is quoted too (the csv module quotes the line end's characters)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=LINE_END).writerow(cells)
    return buffer.getvalue().removesuffix(LINE_END)


def _place(shape: str, code: str) -> tuple[str, str, str]:
    if shape == "country":
        return (code, names.country_name(code), _subregion(code))
    sector = reference.sectors()[code]
    return (code, sector.name, sector.group)


def share_cells(
    shape: str, row, tail: tuple, keep: Callable[[str], bool] | None = None
) -> Iterator[list[str]]:
    """One exploded row per country or sector share of a project row (identifier, title,
    status, ref, amount, currency, instrument and its shares), with `tail` appended.

    Share amounts are the project's amount split in cents (`shares.allocate`): they add
    up to it exactly. With `keep`, only the shares whose code it keeps are written (the
    split is still over all of them)."""
    entries = row.recipient_countries if shape == "country" else row.sectors
    head = (row.identifier, row.title, row.status, row.ref)
    for code, percentage, share in split_amount(row.amount, entries, row.currency):
        if keep is not None and not keep(code):
            continue
        cells = (
            *head,
            *_place(shape, code),
            decimal_text(percentage),
            share,
            row.currency,
            row.instrument,
            *tail,
        )
        yield [safe_cell(c) for c in cells]


class RawLine(str):
    """An already-encoded CSV line (with its line end) that csv_stream writes as it is."""

    __slots__ = ()


def row_cells(row: list[str] | RawLine) -> list[str]:
    """The cells of a row of an export (a RawLine read back), for a page's preview."""
    if isinstance(row, RawLine):
        return next(csv.reader(io.StringIO(row, newline=""), strict=True))
    return list(row)


def csv_stream(rows: Iterable[list[str]], *, bom: bool = False, chunk_rows: int = 500):
    """CSV bytes, a few hundred rows at a time; RawLine rows go through as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_END)
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


def safe_rows(header: list[str], rows: Iterable[list]) -> Iterator[list[str]]:
    """Header and rows as neutralised text cells."""
    yield list(header)
    for row in rows:
        yield [safe_cell(cell) for cell in row]
