"""CSV exports: golden files for each shape, any text survives a spreadsheet round trip,
summaries equal the sums over the records, and need-to-know holds in the CSV."""

from __future__ import annotations

import csv
import io
import os
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from registry import csv_cells
from registry.extensions import db
from registry.services import documents, exports, projects, seeding, summaries
from registry.services.actors import Actor
from registry.shares import share_percentages
from tests.conftest import valid_project

GOLDEN = Path(__file__).parent / "golden"
PLANNER = Actor(label="planner@example.org", role="planner")


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
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert len(parsed) == 2
    for original, read in zip(cells, parsed[1], strict=True):
        expected = "'" + original if original.startswith(FORMULA) else original
        assert read == expected


def test_neutralisation_examples():
    assert [
        csv_cells.safe_cell(v) for v in ["=1+1", "+1", "-2", "@SUM", "\tx", "\rx", "a=b", 5]
    ] == [
        "'=1+1",
        "'+1",
        "'-2",
        "'@SUM",
        "'\tx",
        "'\rx",
        "a=b",
        "5",
    ]


def test_summary_totals_equal_the_sums_over_records(app):
    seed = random.randrange(1_000_000)
    seeding.synthetic_generate(400, seed=seed)
    ids = db.session.scalars(text("SELECT id FROM projects")).all()
    records = [documents.project_record(projects.project_get(i)) for i in ids]
    assert len(records) == 400
    for group_by in (["country"], ["sector"], ["country", "sector"], ["status", "year"]):
        _header, rows = summaries.summary_rows({}, PLANNER, group_by)
        got = {tuple(r[: len(group_by) + 1]): (r[-2], r[-1]) for r in rows}
        expected: dict[tuple, list] = defaultdict(lambda: [set(), Decimal(0)])
        for record in records:
            amount = Decimal(record["finance"]["amount"])
            country_shares = share_percentages(record["recipient_countries"])
            sector_shares = share_percentages(record["sectors"])
            year = (record["dates"]["actual_start"] or record["dates"]["planned_start"])[:4]
            for country, cp in country_shares:
                for sector, sp in sector_shares:
                    values = {
                        "country": country,
                        "sector": sector,
                        "status": record["status"],
                        "year": int(year),
                    }
                    share = amount
                    if "country" in group_by:
                        share = share * cp / 100
                    if "sector" in group_by:
                        share = share * sp / 100
                    if "country" not in group_by and country != country_shares[0][0]:
                        continue
                    if "sector" not in group_by and sector != sector_shares[0][0]:
                        continue
                    key = (*[values[g] for g in group_by], record["finance"]["currency"])
                    expected[key][0].add(record["identifier"])
                    expected[key][1] += share
        assert {
            k: (len(v[0]), v[1].quantize(Decimal("0.01"))) for k, v in expected.items()
        } == got, f"group_by={group_by} seed={seed}"


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
