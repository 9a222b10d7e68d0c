"""The partner ministries' project API, driven through the test client."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project
from registry.models.types import utcnow
from tests.conftest import ApiClient, valid_project

URL = "/api/v1/projects"


def _create(api, **overrides):
    response = api.post(URL, json=valid_project(**overrides))
    assert response.status_code == 201, response.get_json()
    return response


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Project.id)))


# ---- create and read


def test_create_returns_record_location_and_etag(jp):
    response = _create(jp)
    body = response.get_json()
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    assert response.headers["ETag"] == '"v1.r1"'
    assert body["reporting_org"]["ref"] == "JP-GOV-1"
    assert body["version"] == 1
    assert body["finance"] == {"amount": "125000000.00", "currency": "USD", "instrument": "loan"}
    assert body["recipient_countries"] == [{"code": "VN", "percentage": None}]


def test_create_keeps_json_numbers_exact(jp):
    raw = json.dumps(valid_project()).replace('"125000000.00"', "12345678901234.57")
    response = jp.post(URL, data=raw, headers={"Content-Type": "application/json"})
    assert response.get_json()["finance"]["amount"] == "12345678901234.57"


def test_get_with_etag_and_conditional_304(jp):
    project_id = _create(jp).get_json()["id"]
    response = jp.get(f"{URL}/{project_id}")
    assert response.status_code == 200 and response.headers["ETag"] == '"v1.r1"'
    assert response.get_json()["identifier"] == "JP-GOV-1-2026-001"
    cached = jp.get(f"{URL}/{project_id}", headers={"If-None-Match": '"v1"'})
    assert cached.status_code == 304 and cached.data == b""
    assert jp.get(f"{URL}/{project_id}", headers={"If-None-Match": '"v0"'}).status_code == 200
    # RFC 9110: weak comparison, lists and * all count for If-None-Match.
    for header in ('W/"v1"', '"v0", "v1"', "*"):
        again = jp.get(f"{URL}/{project_id}", headers={"If-None-Match": header})
        assert again.status_code == 304 and again.headers["ETag"] == '"v1.r1"', header


def test_unknown_project_404(jp):
    response = jp.get(f"{URL}/999999")
    assert response.status_code == 404
    assert response.get_json()["detail"] == "There is no project with id 999999."


# ---- updates: If-Match, ownership, merge patch


def test_put_requires_if_match(jp):
    project_id = _create(jp).get_json()["id"]
    response = jp.put(f"{URL}/{project_id}", json=valid_project(title="New"))
    assert response.status_code == 428
    assert "If-Match" in response.get_json()["detail"]
    assert jp.get(f"{URL}/{project_id}").get_json()["title"] != "New"


def test_put_stale_etag_412_and_nothing_written(jp):
    project_id = _create(jp).get_json()["id"]
    assert (
        jp.put(
            f"{URL}/{project_id}", json=valid_project(title="First"), headers={"If-Match": '"v1"'}
        ).status_code
        == 200
    )
    stale = jp.put(
        f"{URL}/{project_id}", json=valid_project(title="Second"), headers={"If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"v2.r2"'
    assert "version 2, not 1" in stale.get_json()["detail"]
    current = jp.get(f"{URL}/{project_id}").get_json()
    assert (current["title"], current["version"]) == ("First", 2)


def test_put_replaces_and_bumps_version(jp):
    project_id = _create(jp).get_json()["id"]
    response = jp.put(
        f"{URL}/{project_id}",
        json=valid_project(title="Replaced", tags=[]),
        headers={"If-Match": '"v1"'},
    )
    assert response.status_code == 200 and response.headers["ETag"] == '"v2.r2"'
    assert response.get_json()["title"] == "Replaced"
    assert response.get_json()["tags"] == []


def test_patch_is_a_merge_patch_validated_whole(jp):
    project_id = _create(jp).get_json()["id"]
    response = jp.patch(
        f"{URL}/{project_id}",
        data=json.dumps({"status": "closed", "dates": {"actual_end": "2025-02-01"}}),
        headers={"If-Match": '"v1"', "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "closed" and body["dates"]["actual_end"] == "2025-02-01"
    assert body["dates"]["planned_start"] == "2024-04-01"
    bad = jp.patch(
        f"{URL}/{project_id}",
        json={"dates": {"actual_end": "2020-01-01"}},
        headers={"If-Match": '"v2"'},
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "dates.actual_end"


def test_another_ministry_gets_403_and_nothing_changes(jp, au):
    project_id = _create(jp).get_json()["id"]
    for response in (
        au.put(
            f"{URL}/{project_id}", json=valid_project(title="Ours"), headers={"If-Match": '"v1"'}
        ),
        au.patch(f"{URL}/{project_id}", json={"title": "Ours"}, headers={"If-Match": '"v1"'}),
        au.delete(f"{URL}/{project_id}", headers={"If-Match": '"v1"'}),
    ):
        assert response.status_code == 403
        assert (
            response.get_json()["detail"] == "A ministry may change only the projects it reports."
        )
    current = jp.get(f"{URL}/{project_id}").get_json()
    assert current["version"] == 1 and current["title"] != "Ours"
    assert au.get(f"{URL}/{project_id}").status_code == 200  # reading is for everyone


def test_read_scope_token_cannot_write(client, ministry):
    from registry.services import tokens

    reader = ApiClient(client, tokens.token_issue(org_ref="JP-GOV-1", scope="read").text)
    response = reader.post(URL, json=valid_project())
    assert response.status_code == 403
    assert "read scope" in response.get_json()["detail"]
    assert reader.get(URL).status_code == 200
    assert _count() == 0


def test_delete_withdraws_keeps_history_hides_from_list(jp):
    project_id = _create(jp).get_json()["id"]
    assert jp.delete(f"{URL}/{project_id}").status_code == 428
    response = jp.delete(f"{URL}/{project_id}", headers={"If-Match": '"v1"'})
    assert response.status_code == 200 and response.get_json()["withdrawn"] is True
    assert jp.get(URL).get_json()["items"] == []
    listed = jp.get(f"{URL}?include_withdrawn=true").get_json()["items"]
    assert [p["id"] for p in listed] == [project_id]
    history = jp.get(f"{URL}/{project_id}/history").get_json()["items"]
    assert [h["action"] for h in history] == ["create", "withdraw"]


def test_history_lists_who_when_and_field_diffs(jp):
    project_id = _create(jp).get_json()["id"]
    jp.patch(f"{URL}/{project_id}", json={"title": "Renamed"}, headers={"If-Match": '"v1"'})
    history = jp.get(f"{URL}/{project_id}/history").get_json()["items"]
    assert [(h["version"], h["action"]) for h in history] == [(1, "create"), (2, "update")]
    assert history[1]["actor"].startswith("JP-GOV-1 (token ")
    assert history[1]["changes"] == [
        {"field": "title", "old": "Da Nang Port Container Terminal Expansion", "new": "Renamed"}
    ]


def test_server_owned_fields_refused_on_input(jp):
    response = jp.post(URL, json=valid_project(id=5, version=3, reporting_org="AU-GOV-1"))
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"id", "version", "reporting_org"}
    assert {e["code"] for e in response.get_json()["errors"]} == {"server_owned"}


# ---- batch


def test_batch_non_atomic_reports_each_record(jp):
    records = [
        valid_project(identifier="B-1"),
        valid_project(identifier="B-2", title="x"),
        valid_project(identifier="B-1"),
        valid_project(identifier="B-3"),
    ]
    response = jp.post(f"{URL}/batch", json=records)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 422), (2, 422), (3, 201)]
    assert results[1]["errors"][0]["field"] == "title"
    assert results[2]["errors"][0]["code"] == "not_unique"
    assert _count() == 2


def test_batch_atomic_all_or_nothing(jp):
    records = [valid_project(identifier="B-1"), valid_project(identifier="B-2", status="done")]
    response = jp.post(f"{URL}/batch?atomic=true", json=records)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "[1].status"
    assert _count() == 0
    records[1]["status"] = "closed"
    ok = jp.post(f"{URL}/batch?atomic=true", json=records)
    assert [r["status"] for r in ok.get_json()["results"]] == [201, 201]
    assert _count() == 2


def test_batch_limit_500(jp):
    response = jp.post(f"{URL}/batch", json=[valid_project()] * 501)
    assert response.status_code == 422
    assert "1 to 500" in response.get_json()["errors"][0]["message"]


# ---- lists, filters, pagination


@pytest.fixture
def listed(jp, au):
    _create(
        jp,
        identifier="JP-1",
        title="Hai Phong port",
        recipient_countries=[{"code": "VN"}],
        sectors=[{"code": "21040"}],
        status="implementation",
    )
    _create(
        jp,
        identifier="JP-2",
        title="Nairobi commuter rail",
        recipient_countries=[{"code": "KE"}],
        sectors=[{"code": "21030"}],
        status="pipeline",
        dates={"planned_start": "2027-01-01"},
        locations=[],
        technologies=[],
        finance={"amount": "5", "currency": "JPY", "instrument": "grant"},
    )
    _create(
        au,
        identifier="AU-1",
        title="Suva grid upgrade",
        recipient_countries=[{"code": "FJ"}],
        sectors=[{"code": "23630"}],
        status="implementation",
        locations=[],
        technologies=[],
        participants=[{"name": "Coral Power Pty", "role": "contractor"}],
    )


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return sorted(p["identifier"] for p in response.get_json()["items"])


def test_list_filters(jp, listed):
    assert _ids(jp.get(f"{URL}?country=vnm")) == ["JP-1"]
    assert _ids(jp.get(f"{URL}?country=VN&country=KE")) == ["JP-1", "JP-2"]
    assert _ids(jp.get(f"{URL}?region=009")) == ["AU-1"]  # Oceania
    assert _ids(jp.get(f"{URL}?region=202")) == ["JP-2"]  # Sub-Saharan Africa
    assert _ids(jp.get(f"{URL}?sector=210")) == ["JP-1", "JP-2"]  # transport category
    assert _ids(jp.get(f"{URL}?sector=21040")) == ["JP-1"]
    assert _ids(jp.get(f"{URL}?status=pipeline")) == ["JP-2"]
    assert _ids(jp.get(f"{URL}?instrument=grant")) == ["JP-2"]
    assert _ids(jp.get(f"{URL}?reporting_org=AU-GOV-1")) == ["AU-1"]
    assert _ids(jp.get(f"{URL}?q=coral+power")) == ["AU-1"]  # a participant's name
    assert _ids(jp.get(f"{URL}?q=sakura")) == ["JP-1"]  # a vendor's name
    assert _ids(jp.get(f"{URL}?q=100%25")) == []  # LIKE wildcards are literal
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert _ids(jp.get(f"{URL}?updated_since={future.replace('+00:00', 'Z')}")) == []
    assert _ids(jp.get(f"{URL}?updated_since=2020-01-01")) == ["AU-1", "JP-1", "JP-2"]
    # Currency and start year: what a country page's chart bar links to (issue 12).
    assert _ids(jp.get(f"{URL}?currency=jpy")) == ["JP-2"]
    assert _ids(jp.get(f"{URL}?currency=USD&currency=JPY")) == ["AU-1", "JP-1", "JP-2"]
    assert _ids(jp.get(f"{URL}?start_year=2027")) == ["JP-2"]
    assert _ids(jp.get(f"{URL}?start_year=2027&currency=USD")) == []


@pytest.mark.parametrize(
    "query, field, code",
    [
        ("colour=red", "colour", "unknown_field"),
        ("sort=amount", "sort", "invalid_sort"),
        ("country=XX", "country[0]", "invalid_country"),
        ("status=done", "status[0]", "invalid_choice"),
        ("limit=201", "limit", "out_of_range"),
        ("currency=XYZ", "currency[0]", "invalid_currency"),
        ("start_year=1899", "start_year[0]", "out_of_range"),
        ("start_year=２０２７", "start_year[0]", "out_of_range"),
        ("region=999", "region[0]", "invalid_region"),
        ("updated_since=yesterday", "updated_since", "invalid_datetime"),
        ("cursor=abc", "cursor", "invalid_cursor"),
    ],
)
def test_list_bad_parameters_are_422(jp, query, field, code):
    response = jp.get(f"{URL}?{query}")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]


def test_cursor_pagination_stable_while_records_are_added(jp, listed):
    first = jp.get(f"{URL}?limit=2&sort=identifier").get_json()
    assert [p["identifier"] for p in first["items"]] == ["AU-1", "JP-1"]
    _create(jp, identifier="AA-0")  # sorts before everything already seen
    second = jp.client.get(
        first["next"], headers={"Authorization": f"Bearer {jp.token}"}
    ).get_json()
    assert [p["identifier"] for p in second["items"]] == ["JP-2"]
    assert second["next"] is None
    descending = jp.get(f"{URL}?limit=3&sort=-identifier").get_json()
    assert [p["identifier"] for p in descending["items"]] == ["JP-2", "JP-1", "AU-1"]


# ---- idempotency


def test_idempotency_key_replays_first_response(jp):
    headers = {"Idempotency-Key": "abc-123"}
    first = jp.post(URL, json=valid_project(), headers=headers)
    again = jp.post(URL, json=valid_project(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert _count() == 1


def test_idempotency_key_with_other_body_is_422(jp):
    jp.post(URL, json=valid_project(), headers={"Idempotency-Key": "k1"})
    response = jp.post(
        URL, json=valid_project(identifier="OTHER"), headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "key_reused"
    assert _count() == 1


def test_idempotency_keys_are_scoped_to_the_ministry(jp, au):
    jp.post(URL, json=valid_project(), headers={"Idempotency-Key": "shared"})
    response = au.post(
        URL, json=valid_project(identifier="AU-X"), headers={"Idempotency-Key": "shared"}
    )
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert _count() == 2


def test_idempotent_validation_failure_is_replayed_too(jp):
    headers = {"Idempotency-Key": "bad-1"}
    first = jp.post(URL, json=valid_project(title="x"), headers=headers)
    again = jp.post(URL, json=valid_project(title="x"), headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.mimetype == "application/problem+json"
    assert again.get_json() == first.get_json()


def test_key_still_processing_is_409(jp, ministry):
    from registry.services import idempotency

    idempotency.idempotency_claim(
        ministry.organisation_id, "busy", idempotency.fingerprint("POST", URL, b"{}")
    )
    response = jp.post(URL, json=valid_project(), headers={"Idempotency-Key": "busy"})
    assert response.status_code in (409, 422)
    same = jp.client.post(
        URL,
        data=b"{}",
        headers={
            "Authorization": f"Bearer {jp.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": "busy",
        },
    )
    assert same.status_code == 409
    assert "still being processed" in same.get_json()["detail"]


def test_idempotent_batch(jp):
    headers = {"Idempotency-Key": "batch-1"}
    records = [valid_project(identifier="B-1"), valid_project(identifier="B-2")]
    first = jp.post(f"{URL}/batch", json=records, headers=headers)
    again = jp.post(f"{URL}/batch", json=records, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count() == 2


# ---- countries and sectors


def test_countries_with_counts_and_committed_totals(jp, listed):
    _create(
        jp,
        identifier="JP-3",
        recipient_countries=[
            {"code": "VN", "percentage": "25"},
            {"code": "LA", "percentage": "75"},
        ],
        finance={"amount": "100.01", "currency": "USD", "instrument": "loan"},
    )
    vietnam = jp.get("/api/v1/countries/VNM").get_json()
    assert vietnam["alpha2"] == "VN" and vietnam["project_count"] == 2
    # 125,000,000.00 + 25% of 100.01 (25.0025 → 25.00)
    assert vietnam["committed"] == [{"currency": "USD", "amount": "125000025.00"}]
    kenya = jp.get("/api/v1/countries/KE").get_json()
    assert kenya["project_count"] == 1 and kenya["committed"] == []  # pipeline: not committed
    listing = jp.get("/api/v1/countries").get_json()["items"]
    assert len(listing) == 249 and "subdivisions" not in listing[0]
    assert {c["alpha2"]: c["project_count"] for c in listing}["FJ"] == 1
    assert jp.get("/api/v1/countries/JP?lang=ja").get_json()["name"] == "日本"
    assert jp.get("/api/v1/countries/XX").status_code == 404


def test_sectors_vocabulary(jp):
    items = jp.get("/api/v1/sectors").get_json()["items"]
    ports = next(s for s in items if s["code"] == "21040")
    assert ports["group"] == "ports" and ports["category"] == "210" and not ports["withdrawn"]
    assert any(s["withdrawn"] for s in items)


def test_expired_idempotency_keys_are_purged_and_reusable(app, jp, ministry):
    from registry.models import IdempotencyKey

    jp.post(URL, json=valid_project(), headers={"Idempotency-Key": "old"})
    jp.post(URL, json=valid_project(identifier="JP-NEW"), headers={"Idempotency-Key": "new"})
    db.session.rollback()
    old = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "old"))
    old.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tokens", "purge-idempotency-keys"])
    assert "1 expired idempotency keys deleted" in result.output
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]


def test_list_items_equal_the_records_stored_or_not(jp, listed):
    from sqlalchemy import text

    from registry.database import begin_write

    db.session.rollback()
    begin_write()
    db.session.execute(text("UPDATE projects SET document = NULL WHERE identifier = 'JP-2'"))
    db.session.commit()
    items = jp.get(f"{URL}?limit=10").get_json()["items"]
    assert len(items) == 3
    for item in items:
        assert item == jp.get(f"{URL}/{item['id']}").get_json()
    own = next(i for i in items if i["identifier"] == "JP-1")
    other = next(i for i in items if i["identifier"] == "AU-1")
    assert "security" in own and "security" not in other


# ---- ETags: If-Match compares the record the ministry submits; GET's ETag every change

MERGE = {"Content-Type": "application/merge-patch+json"}
HUAWEI = {"name": "HUAWEI TECHNOLOGIES CO., LTD", "role": "supplier"}


@pytest.fixture
def reviewer(client, app):
    from registry.services import accounts, tokens

    accounts.user_create("reviewer@example.org", "reviewer", "a-long-password-1")
    return ApiClient(client, tokens.token_issue(user_email="reviewer@example.org").text)


def _flagged_item(api) -> str:
    created = _create(api, participants=[HUAWEI], sectors=[{"code": "22020"}]).get_json()
    assert created["security"]["review_status"] == "pending"
    return f"{URL}/{created['id']}"


def test_a_review_decision_leaves_the_ministrys_etag_current(jp, reviewer):
    item = _flagged_item(jp)
    etag = jp.get(item).headers["ETag"]
    assert etag == '"v1.r1"'
    decided = reviewer.post(f"{item}/review", json={"status": "cleared", "note": "Checked."})
    assert decided.status_code == 200 and decided.headers["ETag"] == '"v2.r1"'
    # The ministry changed nothing since it read: its ETag still names the record.
    patched = jp.patch(item, json={"title": "Renamed"}, headers={"If-Match": etag, **MERGE})
    assert patched.status_code == 200, patched.get_json()
    assert patched.headers["ETag"] == '"v3.r2"'
    body = patched.get_json()
    assert (body["title"], body["version"]) == ("Renamed", 3)
    assert body["security"]["review_status"] == "cleared"  # the decision stands
    # A second write from that first read is stale now: its own change came between.
    stale = jp.patch(item, json={"title": "Lost"}, headers={"If-Match": etag, **MERGE})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"v3.r2"'
    assert stale.get_json()["detail"] == (
        f"Project {body['id']} is at record version 2, not 1; "
        "fetch it again and reapply your change."
    )
    assert jp.get(item).get_json()["title"] == "Renamed"
    # PUT and DELETE compare the same way.
    decided = reviewer.post(f"{item}/review", json={"status": "objection", "note": "Again."})
    assert decided.headers["ETag"] == '"v4.r2"'
    replaced = jp.put(item, json=valid_project(title="Put"), headers={"If-Match": '"v3.r2"'})
    assert replaced.status_code == 200 and replaced.headers["ETag"] == '"v5.r3"'
    withdrawn = jp.delete(item, headers={"If-Match": '"v1.r3"'})  # the v part is not compared
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawn"] is True
    assert withdrawn.headers["ETag"] == '"v6.r4"'


def test_a_rescreen_leaves_the_ministrys_etag_current(jp):
    from registry.services import screening, vendors
    from registry.services.actors import ADMIN, Actor

    created = _create(jp, participants=[{"name": "Nordwind Optics", "role": "supplier"}])
    item, etag = f"{URL}/{created.get_json()['id']}", created.headers["ETag"]
    admin = Actor(label="admin@example.org", role=ADMIN)
    vendors.vendor_add(
        {"name": "Nordwind Optics", "categories": ["surveillance"], "source": "test list"}, admin
    )
    assert screening.screening_rerun(admin).changed == [created.get_json()["id"]]
    assert jp.get(item).headers["ETag"] == '"v2.r1"'
    patched = jp.patch(item, json={"title": "Renamed"}, headers={"If-Match": etag, **MERGE})
    assert patched.status_code == 200 and patched.headers["ETag"] == '"v3.r2"'
    assert patched.get_json()["security"]["flags"][0]["code"] == "HIGH_RISK_VENDOR"


def test_an_old_vn_etag_still_names_the_whole_version(jp, reviewer):
    """`"vN"` (the ETags given before record versions) is compared as before: the project
    must be exactly as read, so a review decision in between makes it stale."""
    item = _flagged_item(jp)
    reviewer.post(f"{item}/review", json={"status": "cleared", "note": "Checked."})
    stale = jp.patch(item, json={"title": "Renamed"}, headers={"If-Match": '"v1"', **MERGE})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"v2.r1"'
    assert "is at version 2, not 1;" in stale.get_json()["detail"]
    current = jp.patch(item, json={"title": "Renamed"}, headers={"If-Match": '"v2"', **MERGE})
    assert current.status_code == 200 and current.headers["ETag"] == '"v3.r2"'


def test_if_none_match_after_a_review_decision_gives_the_new_representation(jp, reviewer):
    item = _flagged_item(jp)
    seen = reviewer.get(item)
    etag = seen.headers["ETag"]
    assert seen.get_json()["security"]["decisions"] == []
    assert reviewer.get(item, headers={"If-None-Match": etag}).status_code == 304
    reviewer.post(f"{item}/review", json={"status": "cleared", "note": "Checked."})
    for api in (reviewer, jp):  # the ministry sees the review status change too
        fresh = api.get(item, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["ETag"] == '"v2.r1"'
        assert fresh.get_json()["security"]["review_status"] == "cleared"
        cached = api.get(item, headers={"If-None-Match": fresh.headers["ETag"]})
        assert cached.status_code == 304 and cached.headers["ETag"] == '"v2.r1"'
    decisions = reviewer.get(item).get_json()["security"]["decisions"]
    assert [d["note"] for d in decisions] == ["Checked."]


def test_record_versions_are_backfilled_from_history(app, jp, reviewer):
    """0008 counts each project's create, update and withdraw versions."""
    from flask_migrate import downgrade, upgrade

    item = _flagged_item(jp)
    jp.patch(item, json={"title": "Renamed"}, headers={"If-Match": '"v1.r1"', **MERGE})
    reviewer.post(f"{item}/review", json={"status": "cleared", "note": "Checked."})
    plain = f"{URL}/{_create(jp, identifier='PLAIN', participants=[]).get_json()['id']}"
    assert [jp.get(i).headers["ETag"] for i in (item, plain)] == ['"v3.r2"', '"v1.r1"']
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="0007")
    finally:
        upgrade()
    assert [jp.get(i).headers["ETag"] for i in (item, plain)] == ['"v3.r2"', '"v1.r1"']
    # Nothing else moved: the downgrade drops the column in place (no SQLite table rebuild,
    # which would cascade to the history and the shares).
    history = jp.get(f"{item}/history").get_json()["items"]
    assert [v["action"] for v in history] == ["create", "update", "review"]
    listed = jp.get(f"{URL}?country=VN&sort=identifier").get_json()["items"]  # share rows
    assert [f"{URL}/{p['id']}" for p in listed] == [item, plain]
