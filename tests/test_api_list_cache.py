"""The per-worker cache of API list pages (registry/api/list_cache.py): served while the data
is unchanged, never across callers who may see different things, never stale."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from registry.extensions import db
from registry.services import accounts, tokens
from tests.conftest import ApiClient, valid_project

URL = "/api/v1/projects?country=VN&status=implementation"


@pytest.fixture
def project_queries(app):
    """How many statements read the projects table, counted as they are sent."""
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM projects" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


def test_an_unchanged_list_is_served_from_the_cache(jp, project_queries):
    assert jp.post("/api/v1/projects", json=valid_project()).status_code == 201
    first = jp.get(URL)
    reads = len(project_queries)
    second = jp.get(URL)
    assert second.status_code == 200 and second.data == first.data
    assert [p["identifier"] for p in second.get_json()["items"]] == ["JP-GOV-1-2026-001"]
    assert len(project_queries) == reads  # no query of the projects table the second time


def test_a_change_in_another_worker_is_seen_by_the_next_request(jp, make_app):
    assert jp.post("/api/v1/projects", json=valid_project()).status_code == 201
    assert len(jp.get(URL).get_json()["items"]) == 1  # now cached in this app
    other_worker = make_app()  # its own engine, pool and cache, on the same database
    with other_worker.app_context():
        other = ApiClient(other_worker.test_client(), jp.token)
        created = other.post(
            "/api/v1/projects",
            json=valid_project(identifier="JP-GOV-1-2026-002", title="Hai Phong Port Access Road"),
        )
        assert created.status_code == 201
        assert len(other.get(URL).get_json()["items"]) == 2
    assert [p["identifier"] for p in jp.get(URL).get_json()["items"]] == [
        "JP-GOV-1-2026-002",
        "JP-GOV-1-2026-001",
    ]


def test_an_update_and_a_withdrawal_are_seen_at_once(jp):
    created = jp.post("/api/v1/projects", json=valid_project())
    project_id, etag = created.get_json()["id"], created.headers["ETag"]
    assert jp.get(URL).get_json()["items"][0]["title"].startswith("Da Nang")
    patched = jp.patch(
        f"/api/v1/projects/{project_id}",
        json={"title": "Da Nang Berth 3"},
        headers={"If-Match": etag},
    )
    assert patched.status_code == 200
    assert jp.get(URL).get_json()["items"][0]["title"] == "Da Nang Berth 3"
    withdrawn = jp.delete(
        f"/api/v1/projects/{project_id}", headers={"If-Match": patched.headers["ETag"]}
    )
    assert withdrawn.status_code in (200, 204)
    assert jp.get(URL).get_json()["items"] == []


def test_the_cache_keeps_need_to_know(jp, au, client):
    flagged = valid_project(
        participants=[{"name": "HUAWEI TECHNOLOGIES CO., LTD", "role": "supplier"}]
    )
    assert jp.post("/api/v1/projects", json=flagged).status_code == 201
    # The owner's page (with its screening) is built and cached first...
    assert "security" in jp.get(URL).get_json()["items"][0]
    # ...and the same query from another ministry is not answered from it.
    assert "security" not in au.get(URL).get_json()["items"][0]
    # People's roles see different amounts of screening for the same URL.
    seen = {}
    for role in ("planner", "reviewer"):
        accounts.user_create(f"{role}@example.org", role, "a-long-password-1")
        person = ApiClient(client, tokens.token_issue(user_email=f"{role}@example.org").text)
        seen[role] = person.get(URL).get_json()["items"][0]["security"]
    assert "decisions" in seen["reviewer"] and "decisions" not in seen["planner"]
    assert all("rationale" not in f for f in seen["planner"]["flags"])


def test_a_review_decision_is_seen_at_once(jp, client):
    flagged = valid_project(
        participants=[{"name": "HUAWEI TECHNOLOGIES CO., LTD", "role": "supplier"}]
    )
    project_id = jp.post("/api/v1/projects", json=flagged).get_json()["id"]
    assert jp.get(URL).get_json()["items"][0]["security"]["review_status"] == "pending"
    accounts.user_create("reviewer@example.org", "reviewer", "a-long-password-1")
    reviewer = ApiClient(client, tokens.token_issue(user_email="reviewer@example.org").text)
    decided = reviewer.post(
        f"/api/v1/projects/{project_id}/review",
        json={"status": "cleared", "note": "Vendor replaced in the tender."},
    )
    assert decided.status_code == 200, decided.get_json()
    assert jp.get(URL).get_json()["items"][0]["security"]["review_status"] == "cleared"


def test_refused_queries_are_never_cached(jp, au):
    for _ in range(2):
        refused = au.get("/api/v1/projects?flagged=true")
        assert refused.status_code == 403
        assert "security flag" in refused.get_json()["detail"]
        invalid = jp.get("/api/v1/projects?country=XX")
        assert invalid.status_code == 422
        assert invalid.get_json()["errors"][0]["field"] == "country[0]"


def test_a_revoked_token_is_refused_even_for_a_cached_page(jp):
    assert jp.get(URL).status_code == 200
    token_id = int(jp.token.split("_")[1])
    tokens.token_revoke(token_id)
    assert jp.get(URL).status_code == 401


def test_the_cache_can_be_turned_off(make_app, ministry):
    app = make_app(API_LIST_CACHE_MB=0)
    with app.app_context():
        api = ApiClient(app.test_client(), tokens.token_issue(org_ref="JP-GOV-1").text)
        assert api.post("/api/v1/projects", json=valid_project()).status_code == 201
        assert len(api.get(URL).get_json()["items"]) == 1
        assert app.extensions["registry_list_cache"].max_bytes == 0


# ---- a database replaced under the workers (issue 11, item 6)


@pytest.fixture
def two_workers_on_one_file(tmp_path):
    """Two apps (two workers: own pools, own caches) on a SQLite file of their own, migrated."""
    from flask_migrate import upgrade

    from registry.app import create_app
    from registry.services import seeding
    from tests.conftest import FreshContextClient

    path = tmp_path / "registry.sqlite"
    settings = {"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "test"}
    workers = [create_app(settings), create_app(settings)]
    for worker in workers:
        worker.test_client_class = FreshContextClient
    with workers[0].app_context():
        upgrade()
        seeding.reference_load()
    yield path, workers
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


def _sqlite_copy(source, target) -> None:
    """sqlite3's online backup API, page by page into `target`: what `sqlite3 target
    ".restore source"` does to a live database file."""
    import sqlite3

    from_db, to_db = sqlite3.connect(source), sqlite3.connect(target)
    try:
        from_db.backup(to_db)
    finally:
        from_db.close()
        to_db.close()


def test_a_restored_older_copy_is_never_answered_from_the_cache(two_workers_on_one_file, tmp_path):
    from registry.database import data_version

    path, (worker, other_worker) = two_workers_on_one_file
    with worker.app_context():
        accounts.organisation_create("JP-GOV-1", "Ministry (test)", "JP", "10")
        token = tokens.token_issue(org_ref="JP-GOV-1").text
        api = ApiClient(worker.test_client(), token)
        assert api.post("/api/v1/projects", json=valid_project()).status_code == 201
        assert [p["identifier"] for p in api.get(URL).get_json()["items"]] == ["JP-GOV-1-2026-001"]

    backup = tmp_path / "backup.sqlite"
    _sqlite_copy(path, backup)  # the older copy: project 001 only

    with worker.app_context():
        second = valid_project(identifier="JP-GOV-1-2026-002", title="Hai Phong Port Access Road")
        assert api.post("/api/v1/projects", json=second).status_code == 201
        cached = api.get(URL)  # this worker now keeps the page with 002 and 001
        assert [p["identifier"] for p in cached.get_json()["items"]] == [
            "JP-GOV-1-2026-002",
            "JP-GOV-1-2026-001",
        ]
        db.session.rollback()
        version_cached = data_version()

    _sqlite_copy(backup, path)  # restored in place, under both workers' pools

    with worker.app_context():  # the restored copy's own state: its page is right
        assert [p["identifier"] for p in api.get(URL).get_json()["items"]] == ["JP-GOV-1-2026-001"]

    with other_worker.app_context():  # another worker writes into the restored database
        third = valid_project(identifier="JP-GOV-1-2026-003", title="Cai Mep Terminal Dredging")
        other = ApiClient(other_worker.test_client(), token)
        assert other.post("/api/v1/projects", json=third).status_code == 201
        assert data_version() == version_cached  # the counter repeats a value this worker cached

    with worker.app_context():
        after = api.get(URL).get_json()["items"]
    # Not the cached page: 002 is gone with the restore, 003 is new.
    assert [p["identifier"] for p in after] == ["JP-GOV-1-2026-003", "JP-GOV-1-2026-001"]
