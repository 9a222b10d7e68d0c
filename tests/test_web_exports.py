"""The CSV download behind the list page and the planners' export page."""

from __future__ import annotations

import html
import re

from registry.services import projects, reviews
from tests.conftest import valid_project
from tests.test_exports import strict_rows
from tests.test_web_pages import _sign_in, _user


def _rows(response) -> list[list[str]]:
    """The rows of a CSV download, which must be RFC 4180 (see tests/test_exports.py)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return strict_rows(response.data)


def test_csv_shares_the_list_filters_and_neutralises_formulas(client, ministry):
    projects.project_create(valid_project(identifier="A", title='=HYPERLINK("x")'), ministry)
    projects.project_create(
        valid_project(identifier="B", recipient_countries=[{"code": "KE"}], locations=[]), ministry
    )
    _sign_in(client, _user("planner"))
    response = client.get("/exports/projects.csv?country=VN")
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="registry-projects-20')
    rows = _rows(response)
    assert rows[0][:3] == ["identifier", "title", "status"]
    assert [r[0] for r in rows[1:]] == ["A"]
    assert rows[1][1] == '\'=HYPERLINK("x")'
    flags = rows[1][rows[0].index("flags")]
    assert "CRITICAL_INFRASTRUCTURE:info" in flags and "rationale" not in flags


def test_exploded_rows_split_the_amount(client, ministry):
    projects.project_create(
        valid_project(
            identifier="A",
            recipient_countries=[
                {"code": "VN", "percentage": "60"},
                {"code": "LA", "percentage": "40"},
            ],
        ),
        ministry,
    )
    _sign_in(client, _user("planner"))
    rows = _rows(client.get("/exports/projects.csv?explode=country&excel=1"))
    header = rows[0]
    shares = [(r[header.index("country_code")], r[header.index("share_amount")]) for r in rows[1:]]
    assert shares == [("VN", "75000000.00"), ("LA", "50000000.00")]


def test_bom_only_for_excel(client, ministry):
    projects.project_create(valid_project(), ministry)
    _sign_in(client, _user("planner"))
    assert client.get("/exports/projects.csv?excel=1").data.startswith(b"\xef\xbb\xbf")
    assert not client.get("/exports/projects.csv").data.startswith(b"\xef\xbb\xbf")


def test_export_page_previews_first_rows(client, ministry):
    projects.project_create(valid_project(), ministry)
    _sign_in(client, _user("planner"))
    html = client.get("/exports?explode=sector").get_data(as_text=True)
    assert '<th scope="col">sector_code</th>' in html and "21040" in html
    assert 'href="/exports/projects.csv?explode=sector"' in html
    assert client.get("/exports?explode=planet").status_code == 422


def test_reviewers_export_codes_never_notes(client, ministry):
    from registry.services.actors import Actor

    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    reviews.review_decide(
        project.id, {"status": "cleared", "note": "Secret reasoning."}, Actor("r", "reviewer")
    )
    _sign_in(client, _user("reviewer"))
    response = client.get("/exports/projects.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "MARITIME_DATA:high" in text and "cleared" in text
    assert "Secret reasoning." not in text and "bathymetric" not in text.lower()
    assert client.get("/exports").status_code == 200


def test_downloads_and_preview_keep_a_line_break_inside_its_cell(client, ministry, jp):
    title = "Port upgrade\n=1+1"
    projects.project_create(valid_project(title=title), ministry)
    _sign_in(client, _user("planner"))
    for url in (
        "/exports/projects.csv",
        "/exports/projects.csv?explode=country&excel=1",
        "/exports/projects.csv?explode=sector",
    ):
        header, *rows = _rows(client.get(url))
        assert [row[header.index("title")] for row in rows] == [title], url
    for url in ("/api/v1/exports/projects.csv", "/api/v1/exports/projects.csv?explode=sector"):
        header, *rows = _rows(jp.get(url))
        assert [row[header.index("title")] for row in rows] == [title], url
    page = client.get("/exports").get_data(as_text=True)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", body, re.DOTALL)]
    assert cells[:3] == ["JP-GOV-1-2026-001", title, "implementation"]


def test_exports_filtered_by_country_write_only_its_rows(client, ministry):
    projects.project_create(
        valid_project(
            identifier="A",
            recipient_countries=[
                {"code": "VN", "percentage": "60"},
                {"code": "LA", "percentage": "40"},
            ],
            locations=[],
        ),
        ministry,
    )
    _sign_in(client, _user("planner"))
    header, *rows = _rows(client.get("/exports/projects.csv?country=VN&explode=country"))
    assert [(r[header.index("country_code")], r[header.index("share_amount")]) for r in rows] == [
        ("VN", "75000000.00")
    ]
    assert _rows(client.get("/exports/summary.csv?country=VN&group_by=country")) == [
        ["country", "country_name", "currency", "project_count", "amount"],
        ["VN", "Vietnam", "USD", "1", "75000000.00"],
    ]
