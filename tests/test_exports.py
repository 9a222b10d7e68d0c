"""CSV exports: golden files for each shape, every file RFC 4180 whatever the text in it
(parsed back strictly), the filters select exploded rows, share amounts add up to the
project's amount, summaries equal the exploded rows to the cent, and need-to-know
holds in the CSV."""

from __future__ import annotations

import csv
import io
import os
import random
import re
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from registry import csv_cells, reference
from registry.database import begin_write
from registry.extensions import db
from registry.services import countries, derived, documents, exports, projects, seeding, summaries
from registry.services.actors import Actor
from registry.shares import allocate, shares_bp, step_cents
from tests.conftest import valid_project

GOLDEN = Path(__file__).parent / "golden"
PLANNER = Actor(label="planner@example.org", role="planner")

# RFC 4180's grammar: records of fields separated by commas, each record ending in CRLF;
# a field is quoted (quotes doubled inside) or has no comma, quote, CR or LF.
_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
RFC4180 = re.compile(rf"(?:{_FIELD}(?:,{_FIELD})*\r\n)*")


def strict_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV file that must be RFC 4180 (UTF-8, a BOM allowed): the whole file
    matches the grammar, and a strict reader parses it (newline="": line breaks inside
    quoted cells are the cells' own, not line ends)."""
    decoded = data.decode("utf-8").removeprefix("\ufeff")
    assert RFC4180.fullmatch(decoded), f"not RFC 4180: {decoded[:300]!r}"
    return list(csv.reader(io.StringIO(decoded, newline=""), strict=True))


@pytest.fixture
def fixed_data(ministry, other_ministry):
    projects.project_create(
        valid_project(
            identifier="JP-1",
            title="=SUM(A1) Port works",
            status="implementation",
            recipient_countries=[
                {"code": "VN", "percentage": "60"},
                {"code": "LA", "percentage": "40"},
            ],
            locations=[],
            sectors=[{"code": "21040", "percentage": "75"}, {"code": "22020", "percentage": "25"}],
            finance={"amount": "1000.01", "currency": "USD", "instrument": "loan"},
        ),
        ministry,
    )
    projects.project_create(
        valid_project(
            identifier="AU-1",
            title='Suva "grid", phase 1',
            status="pipeline",
            locations=[],
            recipient_countries=[{"code": "FJ"}],
            sectors=[{"code": "23630"}],
            technologies=[],
            participants=[{"name": "Coral Power; Pty", "role": "contractor"}],
            dates={"planned_start": "2027-01-01"},
            maritime_activities=[],
            finance={"amount": "250", "currency": "AUD", "instrument": "grant"},
        ),
        other_ministry,
    )
    db.session.execute(text("UPDATE projects SET updated_at = '2026-01-02 03:04:05'"))
    db.session.commit()


def _export(viewer, shape="project", filters=None) -> bytes:
    rows = exports.project_rows(filters or {}, viewer, shape, "https://registry.example")
    return b"".join(csv_cells.csv_stream(rows))


def _golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} differs; UPDATE_GOLDEN=1 rewrites it after review"


@pytest.mark.parametrize("shape", csv_cells.SHAPES)
def test_golden_project_exports(app, fixed_data, shape):
    _golden(f"projects-{shape}.csv", _export(PLANNER, shape))


def test_golden_summary(app, fixed_data):
    header, rows = summaries.summary_rows({}, PLANNER, ["country", "status"])
    header, rows = summaries.labelled(header, rows, summaries.seed_rates(), "USD")
    _golden(
        "summary-country-status.csv",
        b"".join(csv_cells.csv_stream(csv_cells.safe_rows(header, rows))),
    )


FORMULA = tuple(csv_cells.FORMULA_STARTS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4))
def test_any_text_survives_export_and_csv_reader(cells):
    data = b"".join(
        csv_cells.csv_stream(csv_cells.safe_rows(["a", "b", "c", "d"][: len(cells)], [cells]))
    )
    parsed = strict_rows(data)
    assert len(parsed) == 2
    for original, read in zip(cells, parsed[1], strict=True):
        expected = "'" + original if original.startswith(FORMULA) else original
        assert read == expected


def test_neutralisation_examples():
    assert [
        csv_cells.safe_cell(v)
        for v in ["=1+1", "+1", "-2", "@SUM", "\tx", "\rx", "\n=1", "a=b", "a\n=1+1", 5]
    ] == [
        "'=1+1",
        "'+1",
        "'-2",
        "'@SUM",
        "'\tx",
        "'\rx",
        "'\n=1",
        "a=b",
        "a\n=1+1",  # one quoted cell: a spreadsheet looks for a formula only at its start
        "5",
    ]


def test_encoded_cells_quote_line_breaks():
    assert csv_cells.encode_cells(["a\nb", "c\rd", "e\r\nf", 'g"h', "i,j", "k"]) == (
        '"a\nb","c\rd","e\r\nf","g""h","i,j",k'
    )


# Text as people paste it: any character a title may hold (no surrogates, no control
# characters but tab, CR and LF), with CSV's and spreadsheets' special ones made likely.
_SPECIAL = st.sampled_from(
    [
        "\r",
        "\n",
        "\r\n",
        "\n\r",
        "\t",
        '"',
        '""',
        ",",
        "=",
        "+",
        "-",
        "@",
        "'",
        " ",
        "\x85",
        "\u2028",
    ]
)
_CHARACTER = st.characters(exclude_categories=("Cs", "Cc"))
TEXT = st.lists(st.one_of(_SPECIAL, _CHARACTER), max_size=30).map("".join)


@st.composite
def export_projects(draw) -> list[dict]:
    """1 to 3 records with arbitrary titles and participant names."""
    records = []
    for number in range(draw(st.integers(1, 3))):
        title = draw(TEXT)
        names = [name.strip() or "x" for name in draw(st.lists(TEXT, max_size=2))]
        records.append(
            valid_project(
                identifier=f"P-{number}",
                title=title if len(title) >= 3 else title + "abc",
                participants=[{"name": name, "role": "contractor"} for name in names],
                recipient_countries=[
                    {"code": c}
                    for c in draw(
                        st.lists(
                            st.sampled_from(["VN", "LA", "PH"]), min_size=1, max_size=3, unique=True
                        )
                    )
                ],
                sectors=[{"code": "21040"}, {"code": "22020"}][: draw(st.integers(1, 2))],
                locations=[],
                technologies=[],
                finance={
                    "amount": str(Decimal(draw(st.integers(0, 10**11))).scaleb(-2)),
                    "currency": "USD",
                    "instrument": "loan",
                },
            )
        )
    return records


def _clear_projects() -> None:
    """Delete every project (and its rows): between the examples of one test."""
    db.session.rollback()
    begin_write()
    for table in reversed(db.metadata.sorted_tables):
        if table.name == "projects" or any(
            fk.column.table.name == "projects" for fk in table.foreign_keys
        ):
            db.session.execute(table.delete())
    db.session.commit()


def _participants_cell(record: dict) -> str:
    return "; ".join(f"{p['name']} ({p['role']})" for p in record["participants"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=export_projects())
def test_every_export_is_rfc4180_whatever_the_text(app, ministry, records):
    """Each export parses back strictly to one row per project (or share) with the cells
    written, whatever titles and participants hold; one project's stored cells are
    marked stale, so both the stored and the freshly rendered cells are checked."""
    _clear_projects()
    ids = [projects.project_create(record, ministry).id for record in records]
    records = [documents.project_record(projects.project_get(i)) for i in ids]
    begin_write()
    db.session.execute(text("UPDATE projects SET render_version = NULL WHERE identifier = 'P-0'"))
    db.session.commit()
    safe = csv_cells.safe_cell
    expected = {
        "project": [
            {
                "identifier": r["identifier"],
                "title": safe(r["title"]),
                "participants": safe(_participants_cell(r)),
            }
            for r in records
        ],
        "country": [
            {"identifier": r["identifier"], "title": safe(r["title"]), "country_code": c["code"]}
            for r in records
            for c in r["recipient_countries"]
        ],
        "sector": [
            {"identifier": r["identifier"], "title": safe(r["title"]), "sector_code": s["code"]}
            for r in records
            for s in r["sectors"]
        ],
    }
    for shape in csv_cells.SHAPES:
        header, *rows = strict_rows(_export(PLANNER, shape))
        assert header == list(csv_cells.columns_for(shape))
        assert all(len(row) == len(header) for row in rows)
        got = [dict(zip(header, row, strict=True)) for row in rows]
        assert [{k: row[k] for k in expected[shape][0]} for row in got] == expected[shape]
    header, rows = summaries.summary_rows({}, PLANNER, ["country", "sector"])
    parsed = strict_rows(b"".join(csv_cells.csv_stream(csv_cells.safe_rows(header, rows))))
    assert parsed == [header, *([str(cell) for cell in row] for row in rows)]
    assert len(parsed) - 1 == len(
        {
            (c["code"], s["code"])
            for r in records
            for c in r["recipient_countries"]
            for s in r["sectors"]
        }
    )


def test_a_line_break_in_a_title_stays_in_its_cell(app, ministry):
    """The issue's case: `Port upgrade\n=1+1` was written unquoted from the stored cells,
    so the file had a second row starting with a live formula."""
    projects.project_create(
        valid_project(
            title="Port upgrade\n=1+1",
            participants=[{"name": 'Line\r\nBreak, "Ltd"', "role": "contractor"}],
        ),
        ministry,
    )
    data = _export(PLANNER)
    assert b'"Port upgrade\n=1+1"' in data and b'"Line\r\nBreak, ""Ltd"" (contractor)"' in data
    header, *rows = strict_rows(data)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["title"] == "Port upgrade\n=1+1"
    assert row["participants"] == 'Line\r\nBreak, "Ltd" (contractor)'
    assert row["amount"] == "125000000.00" and row["url"].endswith("/projects/1")
    for shape in ("country", "sector"):
        header, *rows = strict_rows(_export(PLANNER, shape))
        assert [r[header.index("title")] for r in rows] == ["Port upgrade\n=1+1"]


def test_cells_stored_by_the_unquoting_renderer_are_rendered_afresh(app, ministry, monkeypatch):
    """Rows written before the fix hold unquoted cells under render format 1: they read
    as stale (RENDER_FORMAT was raised) and `rebuild-derived` rewrites them."""
    projects.project_create(valid_project(title="Port upgrade\n=1+1"), ministry)
    current = derived.render_version()
    monkeypatch.setattr(derived, "RENDER_FORMAT", 1)
    derived.render_version.cache_clear()
    old_version = derived.render_version()
    monkeypatch.undo()
    derived.render_version.cache_clear()
    assert derived.render_version() == current != old_version
    cells = db.session.scalar(text("SELECT export_cells FROM projects"))
    begin_write()
    db.session.execute(
        text("UPDATE projects SET export_cells = :cells, render_version = :version"),
        {
            "cells": cells.replace('"Port upgrade\n=1+1"', "Port upgrade\n=1+1"),
            "version": old_version,
        },
    )
    db.session.commit()
    header, *rows = strict_rows(_export(PLANNER))
    assert len(rows) == 1 and rows[0][header.index("title")] == "Port upgrade\n=1+1"
    assert derived.stale_count() == 1
    assert derived.derived_rebuild() == 1
    assert db.session.scalar(text("SELECT export_cells FROM projects")) == cells


def _rows_of(shape: str, filters: dict | None = None) -> list[dict]:
    header, *rows = strict_rows(_export(PLANNER, shape, filters))
    return [dict(zip(header, row, strict=True)) for row in rows]


def _summary(filters: dict, group_by: list[str]) -> dict[tuple, tuple[int, Decimal]]:
    """{(group values…, currency): (project count, amount)} of a summary."""
    _header, rows = summaries.summary_rows(filters, PLANNER, group_by)
    return {tuple(str(v) for v in r[:-2]): (r[-2], r[-1]) for r in rows}


def _totals(rows: list[dict], *columns: str) -> dict[tuple, tuple[int, Decimal]]:
    """The same shape, added up from exploded rows."""
    found: dict[tuple, list] = defaultdict(lambda: [set(), Decimal(0)])
    for row in rows:
        key = (*(row[c] for c in columns), row["currency"])
        found[key][0].add(row["identifier"])
        found[key][1] += Decimal(row["share_amount"])
    return {key: (len(ids), total) for key, (ids, total) in found.items()}


def _percentages(rng: random.Random, size: int) -> list[str | None]:
    """Percentages of `size` shares adding up to 100 (some 0), or none (even shares)."""
    if rng.random() < 0.3:
        return [None] * size
    cuts = sorted(rng.randrange(10_001) for _ in range(size - 1))
    bounds = [0, *cuts, 10_000]
    return [str(Decimal(b - a).scaleb(-2)) for a, b in pairwise(bounds)]


def _awkward_projects(rng: random.Random, ministry, count: int) -> None:
    """Projects whose shares leave remainders: odd cents, thirds, 0% shares, the maximum."""
    country_pool, sector_pool = ["VN", "LA", "PH", "JP", "FJ"], ["21040", "22020", "23630"]
    for number in range(count):
        cents = rng.choice([rng.randrange(10**12), rng.randrange(1, 1000), 99_999_999_999_999_999])
        currency = rng.choice(["USD", "EUR", "JPY", "KRW"])
        if step_cents(currency) > 1:  # whole yen and won: the cents are rounded off
            cents = max(cents - cents % step_cents(currency), step_cents(currency))
        chosen = rng.sample(country_pool, rng.randint(1, 3))
        sectors = rng.sample(sector_pool, rng.randint(1, 3))
        projects.project_create(
            valid_project(
                identifier=f"ODD-{number}",
                recipient_countries=[
                    {"code": c, "percentage": p}
                    for c, p in zip(chosen, _percentages(rng, len(chosen)), strict=True)
                ],
                sectors=[
                    {"code": s, "percentage": p}
                    for s, p in zip(sectors, _percentages(rng, len(sectors)), strict=True)
                ],
                locations=[],
                finance={
                    "amount": str(Decimal(cents).scaleb(-2)),
                    "currency": currency,
                    "instrument": "grant",
                },
            ),
            ministry,
        )


def _by_country_and_sector() -> dict[tuple, tuple[int, Decimal]]:
    """The summary by country and sector, added up in Python with `shares.allocate`."""
    expected: dict[tuple, list] = defaultdict(lambda: [0, 0])
    for project_id in db.session.scalars(text("SELECT id FROM projects")).all():
        record = documents.project_record(projects.project_get(project_id))
        step = step_cents(record["finance"]["currency"])
        units = int(Decimal(record["finance"]["amount"]) * 100) // step
        country_units = allocate(units, shares_bp(record["recipient_countries"]))
        for country, part in zip(record["recipient_countries"], country_units, strict=True):
            sector_units = allocate(part, shares_bp(record["sectors"]))
            for sector, share in zip(record["sectors"], sector_units, strict=True):
                key = (country["code"], sector["code"], record["finance"]["currency"])
                expected[key][0] += 1
                expected[key][1] += share * step
    return {k: (n, Decimal(c).scaleb(-2)) for k, (n, c) in expected.items()}


def test_share_amounts_add_up_and_summaries_equal_the_exploded_rows(app, ministry):
    seed = random.randrange(1_000_000)
    seeding.synthetic_generate(200, seed=seed)
    _awkward_projects(random.Random(seed), ministry, 40)
    amounts = {r["identifier"]: Decimal(r["amount"]) for r in _rows_of("project")}
    exploded = {shape: _rows_of(shape) for shape in ("country", "sector")}
    for shape, rows in exploded.items():
        added: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            added[row["identifier"]] += Decimal(row["share_amount"])
            if row["currency"] in ("JPY", "KRW"):  # no minor unit: whole yen and won only
                assert Decimal(row["share_amount"]) % 1 == 0, f"{row}; seed={seed}"
        assert added == amounts, f"{shape} shares do not add up; seed={seed}"
    for group_by, shape, column in (
        (["country"], "country", "country_code"),
        (["sector"], "sector", "sector_code"),
        (["sector_group"], "sector", "sector_group"),
    ):
        assert _summary({}, group_by) == _totals(exploded[shape], column), f"seed={seed}"
    # The summary's region is the M49 region; the export names the sub-region.
    regions = reference.regions()
    with_region = [
        {**r, "m49": regions[r["country_code"]].region_code} for r in exploded["country"]
    ]
    assert _summary({}, ["region"]) == _totals(with_region, "m49"), f"seed={seed}"
    # Grouped by both: each country share split among the sectors by the same rule.
    assert _summary({}, ["country", "sector"]) == _by_country_and_sector(), f"seed={seed}"
    # Not split: whole amounts.
    by_status = defaultdict(Decimal)
    for row in _rows_of("project"):
        by_status[(row["status"], row["currency"])] += Decimal(row["amount"])
    assert {k: v[1] for k, v in _summary({}, ["status"]).items()} == by_status


def test_country_pages_total_the_same_cents(app, ministry):
    _awkward_projects(random.Random(7), ministry, 30)
    committed = {"status": list(countries.COMMITTED_STATUSES)}
    by_country = _summary(committed, ["country"])
    stats = countries.country_project_stats()
    assert {
        (code, currency): total
        for code, entry in stats.items()
        for currency, total in entry["committed"].items()
    } == {k: v[1] for k, v in by_country.items()}
    counts = defaultdict(int)
    for (code, _currency), (count, _amount) in _summary({}, ["country"]).items():
        counts[code] += count
    assert {code: entry["project_count"] for code, entry in stats.items()} == counts
    some = next(iter(stats))
    assert countries.country_project_stats(some) == {some: stats[some]}


@pytest.fixture
def spread(ministry, other_ministry):
    """A project over three countries and two sectors, and one in Japan only."""
    projects.project_create(
        valid_project(
            identifier="A",
            recipient_countries=[
                {"code": "VN", "percentage": "50"},
                {"code": "JP", "percentage": "30"},
                {"code": "PH", "percentage": "20"},
            ],
            sectors=[{"code": "21040", "percentage": "50"}, {"code": "22020", "percentage": "50"}],
            locations=[],
            finance={"amount": "1234567.89", "currency": "USD", "instrument": "loan"},
        ),
        ministry,
    )
    projects.project_create(
        valid_project(
            identifier="B",
            recipient_countries=[{"code": "JP"}],
            sectors=[{"code": "23630"}],
            locations=[],
            finance={"amount": "100.00", "currency": "USD", "instrument": "loan"},
        ),
        ministry,
    )


def _shares(shape: str, filters: dict) -> list[tuple[str, str, str]]:
    column = "country_code" if shape == "country" else "sector_code"
    return [(r["identifier"], r[column], r["share_amount"]) for r in _rows_of(shape, filters)]


def test_country_page_totals_are_the_exploded_shares(app, spread):
    assert countries.country_project_stats("PH") == {
        "PH": {"project_count": 1, "committed": {"USD": Decimal("246913.58")}}
    }
    assert countries.country_project_stats("JP") == {
        "JP": {"project_count": 2, "committed": {"USD": Decimal("370470.37")}}
    }


def test_exploded_exports_write_only_the_rows_the_filters_select(app, spread):
    # 1,234,567.89 by 50/30/20 is 617,283.945 / 370,370.367 / 246,913.578: rounded down,
    # two cents are left over, for the largest remainders (PH's .8, JP's .7).
    assert _shares("country", {}) == [
        ("A", "VN", "617283.94"),
        ("A", "JP", "370370.37"),
        ("A", "PH", "246913.58"),
        ("B", "JP", "100.00"),
    ]
    assert _shares("country", {"country": ["VN"]}) == [("A", "VN", "617283.94")]
    south_east_asia = {"region": ["035"]}
    assert _shares("country", south_east_asia) == [
        ("A", "VN", "617283.94"),
        ("A", "PH", "246913.58"),
    ]
    assert _shares("country", {"country": ["VN", "JP"], **south_east_asia}) == [
        ("A", "VN", "617283.94")
    ]
    assert _shares("sector", {"sector": ["21040"]}) == [("A", "21040", "617283.95")]
    assert _shares("sector", {"sector": ["220"]}) == [("A", "22020", "617283.94")]
    assert _shares("sector", {"sector_group": ["energy"]}) == [("B", "23630", "100.00")]
    # A filter of the other dimension selects projects, not rows.
    assert [c for _i, c, _a in _shares("country", {"sector": ["21040"]})] == ["VN", "JP", "PH"]
    assert [s for _i, s, _a in _shares("sector", {"country": ["VN"]})] == ["21040", "22020"]
    assert [r["amount"] for r in _rows_of("project", {"country": ["VN"]})] == ["1234567.89"]


def test_summaries_count_only_the_shares_the_filters_select(app, spread):
    vn = {"country": ["VN"]}
    assert _summary(vn, ["country"]) == {("VN", "USD"): (1, Decimal("617283.94"))}
    assert _summary(vn, ["region"]) == {("142", "USD"): (1, Decimal("617283.94"))}
    assert _summary(vn, ["status"]) == {("implementation", "USD"): (1, Decimal("1234567.89"))}
    assert _summary({"country": ["JP"]}, ["country"]) == {("JP", "USD"): (2, Decimal("370470.37"))}
    assert _summary({"sector": ["21040"]}, ["sector"]) == {
        ("21040", "USD"): (1, Decimal("617283.95"))
    }
    assert _summary({"sector_group": ["energy"]}, ["sector_group"]) == {
        ("energy", "USD"): (1, Decimal("100.00"))
    }
    # VN's 617,283.94 split 50/50 among the sectors.
    assert _summary({**vn, "sector": ["21040"]}, ["country", "sector"]) == {
        ("VN", "21040", "USD"): (1, Decimal("308641.97"))
    }
    assert _summary(vn, ["country", "sector"]) == {
        ("VN", "21040", "USD"): (1, Decimal("308641.97")),
        ("VN", "22020", "USD"): (1, Decimal("308641.97")),
    }
    assert _summary({"country": ["PH"]}, ["country", "sector"]) == {
        ("PH", "21040", "USD"): (1, Decimal("123456.79")),
        ("PH", "22020", "USD"): (1, Decimal("123456.79")),
    }
    # A filter of the other dimension selects projects: all of A's countries.
    assert set(_summary({"sector": ["21040"]}, ["country"])) == {
        ("VN", "USD"),
        ("JP", "USD"),
        ("PH", "USD"),
    }


def test_ministry_token_export_shows_security_only_on_its_own(client, fixed_data, jp, au):
    for api, own in ((jp, "JP-1"), (au, "AU-1")):
        response = api.get("/api/v1/exports/projects.csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        for row in rows:
            if row["identifier"] == own:
                assert row["review_status"] and "CRITICAL_INFRASTRUCTURE:info" in row["flags"]
            else:
                assert row["flags"] == "" and row["review_status"] == ""


def test_api_export_filters_and_errors(fixed_data, jp):
    response = jp.get("/api/v1/exports/projects.csv?country=FJ&explode=sector&excel=true")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["AU-1"] and rows[0][4] == "sector_code"
    assert "registry-projects-by-sector-" in response.headers["Content-Disposition"]
    bad = jp.get("/api/v1/exports/projects.csv?explode=planet&colour=red")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"explode", "colour"}
    summary = jp.get("/api/v1/exports/summary.csv?group_by=region,currency")
    assert summary.status_code == 422 and "Group by one or more of" in summary.get_data(
        as_text=True
    )
    ok = jp.get("/api/v1/exports/summary.csv?group_by=instrument&convert_to=JPY")
    lines = ok.get_data(as_text=True).splitlines()
    assert lines[0] == "instrument,currency,project_count,amount,amount_JPY,rates"
    assert lines[1].startswith("grant,AUD,1,250.00,24671.05,")
    assert jp.get("/api/v1/exports/summary.csv?group_by=status&flag=DUAL_USE").status_code == 403


def test_api_exports_filtered_by_country_write_only_its_rows(fixed_data, jp):
    url = "/api/v1/exports/projects.csv?country=VN&explode=country"
    header, *rows = strict_rows(jp.get(url).data)
    assert [
        (r[0], r[header.index("country_code")], r[header.index("share_amount")]) for r in rows
    ] == [("JP-1", "VN", "600.01")]
    summary = jp.get("/api/v1/exports/summary.csv?country=VN&group_by=country")
    assert strict_rows(summary.data) == [
        ["country", "country_name", "currency", "project_count", "amount"],
        ["VN", "Vietnam", "USD", "1", "600.01"],
    ]


def test_planner_uploads_a_rates_table(client, fixed_data):
    from tests.test_web_pages import _csrf, _sign_in, _user

    _sign_in(client, _user("planner"))
    response = client.post(
        "/exports/summary.csv?status=pipeline",
        data={
            "csrf_token": _csrf(client, "/exports"),
            "group_by": ["country"],
            "convert_to": "EUR",
            "rates": (io.BytesIO(b"currency,units_per_usd\nAUD,1.5\nEUR,0.9\n"), "rates.csv"),
        },
        content_type="multipart/form-data",
    )
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "country,country_name,currency,project_count,amount,amount_EUR,rates"
    assert lines[1] == "FJ,Fiji,AUD,1,250.00,150.00,uploaded table 'rates.csv'"
    bad = client.post(
        "/exports/summary.csv",
        data={
            "csrf_token": _csrf(client, "/exports"),
            "group_by": ["country"],
            "convert_to": "EUR",
            "rates": (io.BytesIO(b"currency,units_per_usd\nAUD,-1\n"), "bad.csv"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422


def test_stored_and_rendered_cells_give_the_same_bytes(app, fixed_data):
    from registry.database import begin_write

    stored = _export(PLANNER)
    db.session.rollback()
    begin_write()
    # A row as an older renderer left it: no cells of the current render version.
    db.session.execute(
        text(
            "UPDATE projects SET export_cells = NULL, render_version = NULL "
            "WHERE identifier = 'AU-1'"
        )
    )
    db.session.commit()
    assert _export(PLANNER) == stored


def test_links_are_quoted_when_the_base_url_needs_it(app, fixed_data):
    odd = "https://registry.example/a,b"
    rows = exports.project_rows({}, PLANNER, "project", odd)
    parsed = list(csv.reader(io.StringIO(b"".join(csv_cells.csv_stream(rows)).decode())))
    urls = [row[-1] for row in parsed[1:]]
    assert urls and all(url.startswith(odd + "/projects/") for url in urls)
    assert all(len(row) == len(parsed[0]) for row in parsed)


def test_repeated_group_by_means_the_same_as_comma_separated(fixed_data, jp):
    repeated = jp.get("/api/v1/exports/summary.csv?group_by=country&group_by=status")
    assert repeated.status_code == 200, repeated.get_data(as_text=True)
    repeated_rows = strict_rows(repeated.data)  # read the stream before the next request
    comma = jp.get("/api/v1/exports/summary.csv?group_by=country,status")
    assert repeated_rows == strict_rows(comma.data)
    assert repeated_rows[0][:4] == ["country", "country_name", "status", "currency"]
