"""Screening through the API: the need-to-know matrix for every role, the review queue,
decisions and the rules listing."""

from __future__ import annotations

import pytest

from registry.rules.ruleset import seed_files
from registry.services import accounts, screening, tokens, vendors
from registry.services.actors import ADMIN, Actor
from tests.conftest import ApiClient, valid_project

URL = "/api/v1/projects"
FULL_FLAG_KEYS = {"code", "severity", "pillar", "rationale", "source", "ruleset_version"}


@pytest.fixture
def people(client, app):
    """An API client per person role."""
    clients = {}
    for role in ("diplomat", "planner", "reviewer", "admin"):
        email = f"{role}@example.org"
        accounts.user_create(email, role, "a-long-password-1")
        clients[role] = ApiClient(client, tokens.token_issue(user_email=email).text)
    return clients


@pytest.fixture
def flagged(jp):
    record = valid_project(
        participants=[{"name": "HUAWEI TECHNOLOGIES CO., LTD", "role": "supplier"}],
        sectors=[{"code": "22020"}],
    )
    response = jp.post(URL, json=record)
    assert response.status_code == 201
    return response.get_json()["id"]


def _security(api, project_id):
    return api.get(f"{URL}/{project_id}").get_json().get("security", "absent")


def test_need_to_know_matrix(jp, au, people, flagged):
    # The owning ministry: review status, and each flag's code and severity only.
    own = _security(jp, flagged)
    assert set(own) == {"review_status", "flags"} and own["review_status"] == "pending"
    assert all(set(f) == {"code", "severity"} for f in own["flags"])
    assert {"code": "HIGH_RISK_VENDOR", "severity": "critical"} in own["flags"]
    # Another ministry: nothing at all, in the record, the list and the history.
    assert _security(au, flagged) == "absent"
    assert all("security" not in p for p in au.get(URL).get_json()["items"])
    history = au.get(f"{URL}/{flagged}/history").get_json()["items"]
    assert all(not c["field"].startswith("security") for h in history for c in h["changes"])
    # Diplomats and planners: codes, severities, pillars, review status.
    for role in ("diplomat", "planner"):
        seen = _security(people[role], flagged)
        assert set(seen) == {"review_status", "flags"}
        assert all(set(f) == {"code", "severity", "pillar"} for f in seen["flags"])
    # Reviewers and admins: everything.
    for role in ("reviewer", "admin"):
        seen = _security(people[role], flagged)
        assert set(seen) == {"review_status", "flags", "ruleset_version", "decisions"}
        assert all(set(f) == FULL_FLAG_KEYS for f in seen["flags"])
        vendor = next(f for f in seen["flags"] if f["code"] == "HIGH_RISK_VENDOR")
        assert "HUAWEI TECHNOLOGIES CO., LTD" in vendor["rationale"]


def test_decision_notes_only_for_reviewers_and_admins(jp, people, flagged):
    decided = people["reviewer"].post(
        f"{URL}/{flagged}/review", json={"status": "objection", "note": "Core network vendor."}
    )
    assert decided.status_code == 200, decided.get_json()
    assert decided.headers["ETag"] == '"v2.r1"'
    for role in ("reviewer", "admin"):
        decisions = _security(people[role], flagged)["decisions"]
        assert [(d["status"], d["note"]) for d in decisions] == [
            ("objection", "Core network vendor.")
        ]
    assert "Core network vendor." not in people["diplomat"].get(f"{URL}/{flagged}").get_data(
        as_text=True
    )
    assert "Core network vendor." not in jp.get(f"{URL}/{flagged}/history").get_data(as_text=True)
    assert _security(jp, flagged)["review_status"] == "objection"


def test_security_filters_by_role(jp, people, flagged):
    jp.post(URL, json=valid_project(identifier="PLAIN", maritime_activities=[]))
    for query in (
        "flagged=true",
        "flag=HIGH_RISK_VENDOR",
        "severity=critical",
        "review_status=pending",
    ):
        refused = jp.get(f"{URL}?{query}")
        assert refused.status_code == 403, query
        assert "cannot filter by security" in refused.get_json()["detail"]
        items = people["diplomat"].get(f"{URL}?{query}").get_json()["items"]
        assert [p["id"] for p in items] == [flagged], query
    plain = people["planner"].get(f"{URL}?flagged=false").get_json()["items"]
    assert [p["identifier"] for p in plain] == ["PLAIN"]


def test_review_queue_and_decisions_by_role(jp, people, flagged):
    queue = people["reviewer"].get("/api/v1/reviews").get_json()["items"]
    assert [p["id"] for p in queue] == [flagged]
    assert people["admin"].get("/api/v1/reviews?status=pending").status_code == 200
    for api in (jp, people["diplomat"], people["planner"]):
        assert api.get("/api/v1/reviews").status_code == 403
    body = {"status": "cleared", "note": "ok"}
    for api in (jp, people["diplomat"], people["admin"]):
        assert api.post(f"{URL}/{flagged}/review", json=body).status_code == 403
    bad = people["reviewer"].post(f"{URL}/{flagged}/review", json={"status": "approved", "x": 1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"x"}
    bad = people["reviewer"].post(f"{URL}/{flagged}/review", json={"status": "approved"})
    assert {e["field"] for e in bad.get_json()["errors"]} == {"status", "note"}
    assert people["reviewer"].post(f"{URL}/{flagged}/review", json=body).status_code == 200
    assert people["reviewer"].get("/api/v1/reviews").get_json()["items"] == []
    assert people["reviewer"].get("/api/v1/reviews?status=bogus").status_code == 422


def test_edit_adding_a_vendor_reopens_review_via_api(jp, people):
    created = jp.post(URL, json=valid_project(maritime_activities=["bathymetry"])).get_json()
    item = f"{URL}/{created['id']}"
    people["reviewer"].post(
        f"{item}/review", json={"status": "cleared", "note": "Survey data stays."}
    )
    patched = jp.patch(
        item,
        json={"technologies": [{"category": "drone_uas", "vendor": "SZ DJI Technology Co., Ltd."}]},
        headers={"If-Match": '"v2"'},
    )
    assert patched.status_code == 200
    assert patched.get_json()["security"]["review_status"] == "pending"
    history = people["reviewer"].get(f"{item}/history").get_json()["items"]
    assert history[-1]["note"].startswith("Review reopened")


def test_screening_rules_listing(jp):
    rules = jp.get("/api/v1/screening/rules").get_json()
    assert {r["code"] for r in rules["rules"]} >= {"HIGH_RISK_VENDOR", "INCOMPLETE_DISCLOSURE"}
    version = seed_files()["rules"]["version"]  # rules.toml's, raised with every rule change
    assert rules["version"].startswith(f"{version}+vendors.")
    assert any(v["id"] == "huawei" for v in rules["vendors"])
    assert any("fcc.gov" in s["url"] for s in rules["sources"])
    assert rules["countries_of_concern"] == ["CN", "IR", "KP", "RU"]


def test_who_reviewed_is_need_to_know_in_history(jp, people, flagged):
    """A ministry (and anyone who may not see the full screening) reads "a reviewer" for a
    review decision and "the registry" for a re-screen; reviewers and admins the label."""
    assert (
        people["reviewer"]
        .post(f"{URL}/{flagged}/review", json={"status": "cleared", "note": "ok"})
        .status_code
        == 200
    )
    plain = jp.post(
        URL,
        json=valid_project(
            identifier="PLAIN",
            participants=[{"name": "Nordwind Optics", "role": "supplier"}],
        ),
    ).get_json()["id"]
    admin = Actor(label="admin@example.org", role=ADMIN)
    vendors.vendor_add(
        {"name": "Nordwind Optics", "categories": ["surveillance"], "source": "test list"}, admin
    )
    assert screening.screening_rerun(admin).changed == [plain]

    def actors(api, project_id):
        response = api.get(f"{URL}/{project_id}/history")
        assert response.status_code == 200
        return [(v["action"], v["actor"]) for v in response.get_json()["items"]]

    reviewer_token = next(
        a for action, a in actors(people["reviewer"], flagged) if action == "review"
    )
    assert reviewer_token.startswith("reviewer@example.org (token ")
    for api in (jp, people["diplomat"], people["planner"]):
        assert actors(api, flagged)[-1] == ("review", "a reviewer")
        assert actors(api, plain)[-1] == ("rescreen", "the registry")
        assert actors(api, flagged)[0][1].startswith("JP-GOV-1 (token ")  # edits keep theirs
        for project_id in (flagged, plain):
            body = api.get(f"{URL}/{project_id}/history").get_data(as_text=True)
            assert "reviewer@" not in body and "admin@" not in body
    for role in ("reviewer", "admin"):
        assert actors(people[role], flagged)[-1] == ("review", reviewer_token)
        assert actors(people[role], plain)[-1] == ("rescreen", "admin@example.org")


def test_the_api_queue_sorts_filters_and_pages_like_the_desk(jp, people):
    """The reviewers' page's order, filters and pages, through the API (issue 12)."""
    made = {}
    for identifier, extra in (
        ("JP-Q-VENDOR", {"participants": [{"name": "ZTE Corporation", "role": "supplier"}]}),
        ("JP-Q-SEA", {"maritime_activities": ["seabed_survey"]}),
        (
            "JP-Q-KE",
            {
                "recipient_countries": [{"code": "KE"}],
                "locations": [],
                "maritime_activities": ["seabed_survey"],
            },
        ),
    ):
        response = jp.post(URL, json=valid_project(identifier=identifier, **extra))
        assert response.status_code == 201, response.get_json()
        made[identifier] = response.get_json()["id"]
    reviewer = people["reviewer"]

    def ids(query: str) -> list[int]:
        response = reviewer.get(f"/api/v1/reviews?{query}")
        assert response.status_code == 200, response.get_json()
        return [p["id"] for p in response.get_json()["items"]]

    assert ids("") == sorted(made.values())  # the longest waiting first, as before
    assert ids("sort=newest") == sorted(made.values(), reverse=True)
    assert ids("sort=severity")[0] == made["JP-Q-VENDOR"]  # a critical flag first
    assert ids("flag=HIGH_RISK_VENDOR") == [made["JP-Q-VENDOR"]]
    assert ids("country=KEN") == [made["JP-Q-KE"]]
    # Pages of one, each linking to the next; the last links to none.
    first = reviewer.get("/api/v1/reviews?limit=1&sort=newest").get_json()
    assert [p["id"] for p in first["items"]] == [made["JP-Q-KE"]]
    assert first["next"] == "/api/v1/reviews?limit=1&sort=newest&page=2"
    last = reviewer.get("/api/v1/reviews?limit=1&sort=newest&page=3").get_json()
    assert last["next"] is None
    refused = reviewer.get("/api/v1/reviews?page=9&sort=loudest")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {"sort"}
    beyond = reviewer.get("/api/v1/reviews?page=9").get_json()
    assert beyond["items"] == [] and beyond["next"] is None  # past the last page: empty
