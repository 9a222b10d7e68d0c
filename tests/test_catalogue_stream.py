"""Issue 11, item 11's last gap: a CSV export whose database connection drops as the
stream starts answers like any other request that lost its database (problem+json 503
with Retry-After under /api, a 503 page elsewhere), never a server's bare 500; one that
fails after its first bytes is logged and cut off, never ended as if it were whole.

The drop is made by the query that reads the first batch raising what SQLAlchemy raises
for a connection the server closed (`OperationalError`, connection invalidated).
`benchmarks/catalogue.py` makes the same drop on a live gunicorn with PostgreSQL's
`pg_terminate_backend`.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.exc import OperationalError

from registry.services import accounts, exports, projects
from tests.conftest import valid_project

PLANNER_EMAIL = "planner@example.org"
PASSWORD = "a-long-password-1"


def _dropped() -> OperationalError:
    return OperationalError(
        "SELECT projects.id FROM projects",
        {},
        Exception("server closed the connection unexpectedly"),
        connection_invalidated=True,
    )


@pytest.fixture
def drop_at_first_batch(monkeypatch):
    def _stream(*_args, **_kwargs):
        raise _dropped()

    monkeypatch.setattr(exports, "_stream", _stream)


@pytest.fixture
def drop_after_first_batch(monkeypatch):
    real = exports._stream

    def _stream(*args, **kwargs):
        first, *_ = list(real(*args, **kwargs))  # read to the end: its cursor is closed
        for _ in range(300):  # more rows than the first chunk (csv_stream's 500)
            yield first
        raise _dropped()

    monkeypatch.setattr(exports, "_stream", _stream)


@pytest.fixture
def some_projects(ministry):
    for n in range(3):
        projects.project_create(
            valid_project(identifier=f"JP-GOV-1-2026-{n:03d}", title=f"Port {n}"), ministry
        )


@pytest.mark.parametrize("query", ["", "?explode=country", "?explode=sector"])
def test_a_connection_dropped_as_the_api_export_starts_is_503_problem_json(
    jp, some_projects, drop_at_first_batch, query
):
    response = jp.get(f"/api/v1/exports/projects.csv{query}")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["status"] == 503 and body["type"].endswith("/service-unavailable")
    assert "database" in body["detail"]


def test_a_connection_dropped_as_the_page_export_starts_is_a_503_page(
    app, client, some_projects, drop_at_first_batch
):
    accounts.user_create(PLANNER_EMAIL, "planner", PASSWORD)
    html = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    signed = client.post(
        "/login", data={"csrf_token": csrf, "email": PLANNER_EMAIL, "password": PASSWORD}
    )
    assert signed.status_code == 302
    response = client.get("/exports/projects.csv")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "5"
    assert "database" in response.get_data(as_text=True)


def test_the_api_answers_again_once_the_database_is_back(jp, some_projects, monkeypatch):
    real = exports._stream
    monkeypatch.setattr(exports, "_stream", lambda *a, **k: (_ for _ in ()).throw(_dropped()))
    assert jp.get("/api/v1/exports/projects.csv").status_code == 503
    monkeypatch.setattr(exports, "_stream", real)
    again = jp.get("/api/v1/exports/projects.csv")
    assert again.status_code == 200 and again.mimetype == "text/csv"
    assert again.get_data(as_text=True).count("JP-GOV-1-2026-") == 3


def test_a_drop_after_the_first_bytes_is_logged_and_cuts_the_download_off(
    jp, some_projects, drop_after_first_batch, caplog
):
    """The status went out with the first bytes: the download must not end as if whole."""
    response = jp.get("/api/v1/exports/projects.csv", buffered=False)
    assert response.status_code == 200
    with (
        caplog.at_level(logging.WARNING, logger="registry.exports"),
        pytest.raises(OperationalError),
    ):
        b"".join(response.response)
    response.close()
    assert any(
        "export failed after" in record.getMessage() and "cut off" in record.getMessage()
        for record in caplog.records
    )
