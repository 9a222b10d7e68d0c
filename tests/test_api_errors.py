"""Every API error is application/problem+json with the same shape; no input gives a 500."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError

from registry.extensions import db
from registry.models import IdempotencyKey
from registry.services import exports, idempotency, permissions, projects, tokens
from registry.services.errors import PermissionDenied
from tests.conftest import valid_project
from tests.test_web_pages import _sign_in, _user

URL = "/api/v1/projects"
PROBLEM_KEYS = {"type", "title", "status", "detail", "request_id"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_KEYS <= set(body) <= PROBLEM_KEYS | {"errors"}
    assert body["status"] == status
    assert body["type"].startswith("https://registry.example/problems/")
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    for error in body.get("errors", []):
        assert set(error) == {"field", "message", "code"}
        assert all(isinstance(v, str) for v in error.values())
    return body


def test_malformed_json_is_400(jp):
    response = jp.post(URL, data='{"title": ', headers={"Content-Type": "application/json"})
    body = assert_problem(response, 400)
    assert "not valid JSON" in body["detail"] and "line 1" in body["detail"]


def test_nan_is_not_json(jp):
    response = jp.post(
        URL, data='{"finance": {"amount": NaN}}', headers={"Content-Type": "application/json"}
    )
    assert "NaN is not a JSON value" in assert_problem(response, 400)["detail"]


def test_non_json_body_is_415(jp):
    response = jp.post(
        URL, data="title=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert_problem(jp.post(URL, data=b"{}"), 415)  # no Content-Type at all


def test_body_over_2mb_is_413(jp):
    big = json.dumps(valid_project(description="x" * (2 * 1024 * 1024)))
    assert_problem(jp.post(URL, data=big, headers={"Content-Type": "application/json"}), 413)


def test_unknown_api_route_is_404_problem(jp):
    assert_problem(jp.get("/api/v1/nothing-here"), 404)
    assert_problem(jp.get("/api/v2/projects"), 404)


def test_wrong_method_is_405_problem(jp):
    body = assert_problem(jp.client.delete("/api/v1/sectors"), 405)
    assert body["title"] == "Method Not Allowed"


def test_validation_errors_listed_together(jp):
    response = jp.post(URL, json=valid_project(title="", status="nope", unknown=1))
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"title", "status", "unknown"}
    assert body["detail"] == "The request has 3 invalid fields."


@pytest.mark.parametrize("payload", [[], "text", 5, None, {"identifier": {"nested": 1}}])
def test_odd_bodies_are_422_not_500(jp, payload):
    response = jp.post(URL, data=json.dumps(payload), headers={"Content-Type": "application/json"})
    assert_problem(response, 422)


def test_every_error_has_the_same_shape(client, jp, au):
    """One sweep over every kind of error the API produces."""
    created = jp.post(URL, json=valid_project()).get_json()
    item = f"{URL}/{created['id']}"
    cases = [
        (client.get(URL), 401),
        (jp.post(URL, data="{", headers={"Content-Type": "application/json"}), 400),
        (au.put(item, json=valid_project(), headers={"If-Match": '"v1"'}), 403),
        (jp.get(f"{URL}/0"), 404),
        (jp.client.post("/api/v1/sectors"), 405),
        (jp.put(item, json=valid_project(), headers={"If-Match": '"v9"'}), 412),
        (
            jp.post(
                URL, data=b"x" * (2 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
            ),
            413,
        ),
        (jp.post(URL, data="x", headers={"Content-Type": "text/plain"}), 415),
        (jp.get(f"{URL}?bogus=1"), 422),
        (jp.post(URL, json=valid_project(title="")), 422),
        (jp.put(item, json=valid_project()), 428),
    ]
    for response, status in cases:
        assert_problem(response, status)


def test_control_characters_in_field_names_are_escaped_and_storable(jp):
    body = {**valid_project(), "bad\u0000name": 1}
    headers = {"Idempotency-Key": "nul-1"}
    first = jp.post(URL, json=body, headers=headers)
    errors = assert_problem(first, 422)["errors"]
    assert errors == [
        {"field": "bad\\x00name", "code": "unknown_field", "message": errors[0]["message"]}
    ]
    again = jp.post("/api/v1/projects/batch", json=[body], headers={"Idempotency-Key": "nul-2"})
    assert again.status_code == 200
    assert again.get_json()["results"][0]["errors"][0]["field"] == "bad\\x00name"


def test_problem_members_keep_their_order_and_text_as_is(jp):
    """type, title, status, detail, errors: the order of RFC 9457 and of `problem()`, not
    sorted (Flask 3 ignores JSON_SORT_KEYS; registry/json_provider.py keeps the order)."""
    response = jp.post(URL, json=valid_project(**{"名前": "x"}))
    assert assert_problem(response, 422)["errors"][0]["field"] == "名前"
    assert list(json.loads(response.data)) == [
        "type",
        "title",
        "status",
        "detail",
        "errors",
        "request_id",
    ]
    assert '"名前"'.encode() in response.data  # not escaped


# ---------------------------------------------------------------- crafted cursors


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


CRAFTED_CURSORS = {
    "id past 64 bits": ("-updated_at", _cursor("-updated_at", "2026-01-01T00:00:00+00:00", 2**63)),
    "id past 32 bits": ("-updated_at", _cursor("-updated_at", "2026-01-01T00:00:00+00:00", 2**31)),
    "id zero": ("-updated_at", _cursor("-updated_at", "2026-01-01T00:00:00+00:00", 0)),
    "id true": ("-updated_at", _cursor("-updated_at", "2026-01-01T00:00:00+00:00", True)),
    "time without zone": ("-updated_at", _cursor("-updated_at", "2026-01-01T00:00:00", 1)),
    "time past year 1": ("created_at", _cursor("created_at", "0001-01-01T00:00:00+05:00", 1)),
    "time not text": ("created_at", _cursor("created_at", 20260101, 1)),
    "year past 64 bits": ("start_year", _cursor("start_year", 2**63, 1)),
    "year past 32 bits": ("start_year", _cursor("start_year", -(2**31) - 1, 1)),
    "year true": ("start_year", _cursor("start_year", True, 1)),
    "title too long": ("title", _cursor("title", "x" * 301, 1)),
    "title with NUL": ("title", _cursor("title", "a\x00b", 1)),
    "lone surrogate": ("-identifier", _cursor("-identifier", "a\ud800", 1)),
    "not a list": ("title", _cursor({"a": 1})),
    "other sort": ("title", _cursor("identifier", "a", 1)),
}


@pytest.mark.parametrize("sort, cursor", CRAFTED_CURSORS.values(), ids=CRAFTED_CURSORS.keys())
def test_a_crafted_cursor_is_422_invalid_cursor(jp, sort, cursor):
    body = assert_problem(jp.get(f"{URL}?sort={sort}&cursor={cursor}"), 422)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("cursor", "invalid_cursor")]


def test_a_crafted_cursor_is_a_422_page(client):
    _sign_in(client, _user("diplomat"))
    for sort, cursor in CRAFTED_CURSORS.values():
        response = client.get(f"/projects?sort={sort}&cursor={cursor}")
        assert response.status_code == 422, sort
        assert "This page link is out of date or damaged" in response.get_data(as_text=True)


def test_a_real_cursor_still_pages_every_sort(jp, ministry):
    for n in range(3):
        projects.project_create(valid_project(identifier=f"C-{n}", title=f"T {n}"), ministry)
    for sort in ("-updated_at", "created_at", "start_year", "identifier", "-title"):
        first = jp.get(f"{URL}?sort={sort}&limit=2").get_json()
        second = jp.get(first["next"]).get_json()
        seen = [p["identifier"] for p in first["items"] + second["items"]]
        assert sorted(seen) == ["C-0", "C-1", "C-2"], sort


# ---------------------------------------------------------------- exports refuse before streaming


def test_a_ministry_exporting_by_flag_gets_403_before_the_csv_starts(jp):
    response = jp.get("/api/v1/exports/projects.csv?flag=HIGH_RISK_VENDOR")
    body = assert_problem(response, 403)
    assert body["detail"] == (
        "Partner ministries cannot filter by security flag or review status (flag)."
    )


def test_the_export_service_refuses_before_the_first_row(ministry):
    with pytest.raises(PermissionDenied):
        exports.project_export({"flag": ["HIGH_RISK_VENDOR"]}, ministry, "project", "")
    rows = exports.project_export({}, ministry, "country", "")
    assert next(rows)[0] == "identifier"


def test_a_page_export_refused_for_the_reader_is_a_403_page(client, monkeypatch):
    _sign_in(client, _user("planner"))
    monkeypatch.setattr(permissions, "can_filter_by_security", lambda viewer: False)
    response = client.get("/exports/projects.csv?flag=HIGH_RISK_VENDOR")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "cannot filter by security flag" in response.get_data(as_text=True)


# ---------------------------------------------------------------- idempotency keys left behind


def test_a_key_left_processing_says_when_it_is_released(jp, ministry):
    data = json.dumps(valid_project()).encode()
    idempotency.idempotency_claim(
        ministry.organisation_id, "died", idempotency.fingerprint("POST", URL, data)
    )
    headers = {"Idempotency-Key": "died", "Content-Type": "application/json"}
    busy = jp.post(URL, data=data, headers=headers)
    body = assert_problem(busy, 409)
    assert 590 <= int(busy.headers["Retry-After"]) <= 600
    assert "still being processed" in body["detail"]
    assert "10 minutes after it was claimed" in body["detail"]
    assert f"(Retry-After: {busy.headers['Retry-After']} seconds)" in body["detail"]
    # Ten minutes on, the key is abandoned: the retry runs the request.
    db.session.rollback()
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "died"))
    row.created_at -= timedelta(minutes=10, seconds=1)
    db.session.commit()
    assert jp.post(URL, data=data, headers=headers).status_code == 201


# ---------------------------------------------------------------- a database that cannot be reached


def _locked() -> OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5  # SQLITE_BUSY
    return OperationalError("UPDATE projects SET title = ?", (), error)


def _no_such_column() -> OperationalError:
    error = sqlite3.OperationalError("no such column: nope")
    error.sqlite_errorcode = 1  # SQLITE_ERROR: a mistake of the SQL, not the database
    return OperationalError("SELECT nope FROM projects", (), error)


def test_a_database_that_cannot_be_used_is_503_and_a_bug_stays_500(make_app):
    app: Flask = make_app()

    @app.get("/api/v1/locked-probe")
    def locked():
        raise _locked()

    @app.get("/api/v1/bug-probe")
    def bug():
        raise _no_such_column()

    @app.get("/locked-page-probe")
    def locked_page():
        raise _locked()

    client = app.test_client()
    response = client.get("/api/v1/locked-probe")
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert body["detail"] == (
        "The database cannot be reached just now; try again in 5 seconds. "
        "A write is made whole or not at all; a creation sent with an Idempotency-Key "
        "can be resent as is."
    )
    assert_problem(client.get("/api/v1/bug-probe"), 500)
    page = client.get("/locked-page-probe")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] == "5"
    assert "The database cannot be reached just now" in page.get_data(as_text=True)


@pytest.fixture
def postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a dropped connection is tested on PostgreSQL (TEST_DATABASE_URL)")
    killer = create_engine(database_url)

    def terminate(dbapi_connection) -> None:
        """End that connection's server process, as a restart or a proxy would."""
        with killer.begin() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"),
                {"pid": dbapi_connection.info.backend_pid},
            )

    yield terminate
    killer.dispose()


@pytest.fixture
def dropping_app(make_app, postgres, ministry):
    """An app whose connection is terminated once, at the next read of `projects`
    (`drop["statement"]`) or after the view (`drop["after_view"]`)."""
    projects.project_create(valid_project(), ministry)
    app = make_app()
    drop = {"statement": False, "after_view": False}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _mid_statement(_conn, cursor, statement, *_args):
        if drop["statement"] and "FROM projects" in statement:
            drop["statement"] = False
            postgres(cursor.connection)

    @app.after_request
    def _after_view(response):
        if drop["after_view"]:
            drop["after_view"] = False
            postgres(db.session.connection().connection.dbapi_connection)
        return response

    app.drop = drop
    return app


def test_postgres_dropped_mid_request_is_503_problem_json(dropping_app):
    client = dropping_app.test_client()
    auth = {"Authorization": f"Bearer {tokens.token_issue(org_ref='JP-GOV-1').text}"}
    dropping_app.drop["statement"] = True
    response = client.get(URL, headers=auth)
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "cannot be reached" in body["detail"]
    again = client.get(URL, headers=auth)  # the dropped connection was discarded
    assert [p["identifier"] for p in again.get_json()["items"]] == ["JP-GOV-1-2026-001"]


def test_postgres_dropped_after_the_view_keeps_the_answer(dropping_app):
    """The session's rollback fails in teardown; the answer already made is sent."""
    client = dropping_app.test_client()
    auth = {"Authorization": f"Bearer {tokens.token_issue(org_ref='JP-GOV-1').text}"}
    dropping_app.drop["after_view"] = True
    response = client.get(f"{URL}/1", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["identifier"] == "JP-GOV-1-2026-001"
    assert client.get(f"{URL}/1", headers=auth).status_code == 200


def test_postgres_dropped_mid_page_is_a_503_page(dropping_app):
    client = dropping_app.test_client()
    _sign_in(client, _user("diplomat"))
    dropping_app.drop["statement"] = True
    response = client.get("/projects")
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "5"
    assert client.get("/projects").status_code == 200
