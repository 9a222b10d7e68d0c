"""Screening in the service layer: flags on write, the review workflow, re-screening."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from registry import observability
from registry.database import data_version
from registry.extensions import db
from registry.models import Project, ReviewDecision
from registry.project_view import ProjectView
from registry.services import listing, projects, reviews, screening, seeding, vendors
from registry.services.actors import Actor
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.history import project_history
from tests.conftest import valid_project

REVIEWER = Actor(label="rev@example.org", role="reviewer")
ADMIN = Actor(label="admin@example.org", role="admin")


def codes(project) -> set[str]:
    """Flag codes of a ProjectView (what services return) or of a Project row."""
    flags = project.screening.flags if isinstance(project, ProjectView) else project.flags
    return {f.code for f in flags}


def test_flags_written_with_create(app, ministry):
    record = valid_project(
        sectors=[{"code": "22020"}],
        technologies=[{"category": "5g_ran", "vendor": "ZTE Corporation"}],
    )
    project = projects.project_create(record, ministry)
    assert codes(project) == {"HIGH_RISK_VENDOR", "TELECOM_CORE", "CRITICAL_INFRASTRUCTURE"}
    assert project.review_status == "pending"
    assert project.ruleset_version == screening.active_ruleset().version


def _raised(code: str) -> float:
    return observability.FLAGS_RAISED.labels(code=code)._value.get()


def test_flags_raised_are_counted_for_the_metrics_once(app, ministry):
    """registry_screening_flags_raised_total counts a flag when it is raised, not again
    when a later write keeps it."""
    before = _raised("HIGH_RISK_VENDOR")
    record = valid_project(
        sectors=[{"code": "22020"}],
        technologies=[{"category": "5g_ran", "vendor": "ZTE Corporation"}],
    )
    project = projects.project_create(record, ministry)
    assert _raised("HIGH_RISK_VENDOR") == before + 1
    projects.project_patch(
        project.id, {"title": "Renamed"}, ministry, expected_version=project.version
    )
    assert _raised("HIGH_RISK_VENDOR") == before + 1


def test_unflagged_project_needs_no_review(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=[]), ministry)
    assert codes(project) == {"CRITICAL_INFRASTRUCTURE"}
    assert project.review_status == "not_required"


def test_every_flag_appears_in_the_demo_data(app):
    seeding.demo_load()
    seen = set(db.session.scalars(text("SELECT DISTINCT code FROM project_flags")))
    rules = {r.code for r in screening.active_ruleset().rules.values()}
    assert seen == rules
    lookalikes = db.session.scalars(
        select(Project).where(Project.search_text.like("%zteam engineering%"))
    ).all()
    assert lookalikes and all("HIGH_RISK_VENDOR" not in codes(p) for p in lookalikes)


def _decide(project, status="cleared", note="Checked the supply contract."):
    return reviews.review_decide(project.id, {"status": status, "note": note}, REVIEWER)


def test_only_reviewers_decide_and_decisions_need_a_note(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    for actor in (ministry, ADMIN, Actor(label="d", role="diplomat")):
        with pytest.raises(PermissionDenied):
            reviews.review_decide(project.id, {"status": "cleared", "note": "ok"}, actor)
    with pytest.raises(ValidationFailed) as caught:
        reviews.review_decide(project.id, {"status": "approved", "note": " "}, REVIEWER)
    assert {e["field"] for e in caught.value.errors} == {"status", "note"}
    decided = _decide(project)
    assert decided.review_status == "cleared" and decided.version == 2
    history = project_history(project.id, REVIEWER)
    assert history[-1]["action"] == "review"
    assert {"field": "security.review_status", "old": "pending", "new": "cleared"} in history[-1][
        "changes"
    ]


def test_decision_on_unflagged_project_refused(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=[]), ministry)
    with pytest.raises(ValidationFailed) as caught:
        _decide(project)
    assert caught.value.errors[0]["code"] == "not_reviewable"


def test_adding_a_vendor_of_concern_reopens_a_cleared_review(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    _decide(project)
    record = valid_project(
        maritime_activities=["bathymetry"],
        participants=[{"name": "Huawei Marine Networks", "role": "supplier"}],
    )
    updated = projects.project_update(project.id, record, ministry, expected_version=2)
    assert updated.review_status == "pending"
    assert "HIGH_RISK_VENDOR" in codes(updated)
    entry = project_history(project.id, REVIEWER)[-1]
    assert entry["note"].startswith("Review reopened: the flags changed after the cleared decision")
    assert {"field": "security.review_status", "old": "cleared", "new": "pending"} in entry[
        "changes"
    ]


def test_an_edit_that_keeps_the_flags_keeps_the_decision(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    _decide(project, "cleared_with_conditions")
    updated = projects.project_patch(
        project.id, {"title": "Renamed survey"}, ministry, expected_version=2
    )
    assert updated.review_status == "cleared_with_conditions"


def test_decisions_are_append_only(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    _decide(project)
    decision = db.session.scalar(select(ReviewDecision))
    decision.note = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE review_decisions SET note = 'rewritten'"))
    db.session.rollback()
    assert db.session.scalar(select(ReviewDecision.note)) == "Checked the supply contract."


def test_review_queue_oldest_first(app, ministry):
    first = projects.project_create(
        valid_project(identifier="A", maritime_activities=["bathymetry"]), ministry
    )
    second = projects.project_create(
        valid_project(
            identifier="B", maritime_activities=["dredging"], export_control_categories=["3"]
        ),
        ministry,
    )
    projects.project_create(valid_project(identifier="C", maritime_activities=[]), ministry)
    assert [p.id for p in reviews.review_queue(ADMIN).items] == [first.id, second.id]
    _decide(first)
    assert [p.id for p in reviews.review_queue(ADMIN).items] == [second.id]
    assert [p.id for p in reviews.review_queue(ADMIN, {"status": "cleared"}).items] == [first.id]


def test_rerun_after_vendor_list_change_reflags_exactly_the_affected(app, ministry):
    affected = projects.project_create(
        valid_project(
            identifier="AFFECTED",
            participants=[{"name": "Nordwind Optics GmbH", "role": "supplier"}],
        ),
        ministry,
    )
    cleared = projects.project_create(
        valid_project(
            identifier="CLEARED",
            maritime_activities=["bathymetry"],
            technologies=[{"category": "other", "vendor": "NORDWIND OPTICS"}],
        ),
        ministry,
    )
    _decide(cleared)
    untouched = projects.project_create(valid_project(identifier="OTHER"), ministry)
    assert screening.screening_rerun(ADMIN).changed == []  # nothing changed yet
    vendors.vendor_add(
        {
            "name": "Nordwind Optics",
            "aliases": ["Nordwind"],
            "country": "RU",
            "categories": ["surveillance"],
            "source": "Admin decision of 2026-11-24",
        },
        ADMIN,
    )
    report = screening.screening_rerun(ADMIN)
    assert sorted(report.changed) == sorted([affected.id, cleared.id])
    assert report.added == {"HIGH_RISK_VENDOR": 2} and report.reopened == 1
    db.session.expire_all()
    assert db.session.get(Project, cleared.id).review_status == "pending"
    assert db.session.get(Project, untouched.id).version == 1
    version_before = data_version()
    db.session.rollback()
    again = screening.screening_rerun(ADMIN)
    assert again.changed == [] and again.screened == 3
    assert db.session.get(Project, untouched.id).ruleset_version == report.ruleset_version
    db.session.rollback()
    assert data_version() == version_before  # a rerun that changes nothing writes nothing


def test_vendor_add_validation_and_permission(app):
    with pytest.raises(PermissionDenied):
        vendors.vendor_add({"name": "Nordwind", "categories": ["telecom"], "source": "x"}, REVIEWER)
    with pytest.raises(ValidationFailed) as caught:
        vendors.vendor_add(
            {
                "name": "N",
                "aliases": ["ab"],
                "country": "XX",
                "categories": ["weapons"],
                "source": "",
            },
            ADMIN,
        )
    assert {e["field"] for e in caught.value.errors} == {
        "name",
        "aliases",
        "country",
        "categories",
        "source",
    }


def test_screening_cli(app):
    cli = app.test_cli_runner()
    added = cli.invoke(
        args=[
            "screening",
            "add-vendor",
            "Nordwind Optics",
            "--alias",
            "Nordwind",
            "--country",
            "RU",
            "--category",
            "surveillance",
            "--source",
            "Admin decision 2026-11-24",
        ]
    )
    assert added.exit_code == 0, added.output
    result = cli.invoke(args=["screening", "rerun"])
    assert result.exit_code == 0 and "0 projects screened" in result.output
    assert "+local.1." in result.output


def test_synthetic_data_is_screened(app):
    seeding.synthetic_generate(300, seed=3)
    report = screening.screening_rerun(ADMIN)
    assert report.screened == 300 and report.changed == []
    assert db.session.scalar(text("SELECT COUNT(*) FROM project_flags")) > 0


# ---- issue 12 item 3: flags that mean something, and reasons stored as data


def test_reasons_are_stored_and_backfilled_in_place_by_a_rerun(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    stored = {f.code: f.reason for f in project.screening.flags}
    assert stored["MARITIME_DATA"]["key"] == "maritime_data"
    assert stored["CRITICAL_INFRASTRUCTURE"]["sectors"] == [{"code": "21040", "group": "ports"}]
    # a row screened before reasons were stored
    db.session.execute(text("UPDATE project_flags SET reason = NULL"))
    db.session.commit()
    version_before = db.session.get(Project, project.id).version
    report = screening.screening_rerun(ADMIN)
    assert report.changed == []  # the flags are the same: no new version, no history line
    row = db.session.get(Project, project.id)
    db.session.refresh(row)
    assert row.version == version_before
    assert {f.code: f.reason for f in row.flags} == stored
    assert [h["action"] for h in project_history(project.id, REVIEWER)] == ["create"]


def _water_project(ministry, identifier: str, title: str, description: str = ""):
    record = valid_project(
        identifier=identifier,
        title=title,
        description=description,
        sectors=[{"code": "14022"}],
        maritime_activities=["water_quality_sampling"],
        locations=[],
        tags=[],
    )
    return projects.project_create(record, ministry)


def test_sewerage_sampling_no_longer_sends_a_project_to_review(app, ministry):
    sewage = _water_project(
        ministry, "JP-GOV-1-W-1", "Wastewater Treatment Plant", "Trunk sewers and a plant."
    )
    assert codes(sewage) == {"CRITICAL_INFRASTRUCTURE"}
    assert sewage.review_status == "not_required"
    offshore = _water_project(ministry, "JP-GOV-1-W-2", "Marine water quality monitoring offshore")
    assert codes(offshore) == {"CRITICAL_INFRASTRUCTURE", "MARITIME_DATA"}
    assert offshore.review_status == "pending"
    japanese = _water_project(ministry, "JP-GOV-1-W-3", "沖合の水質モニタリング")
    assert "MARITIME_DATA" in codes(japanese)


def test_demo_pending_share_counts_only_projects_that_need_review(app):
    seeding.demo_load()
    rows = db.session.scalars(select(Project)).all()
    pending = [p for p in rows if p.review_status == "pending"]
    reviewable = [p for p in rows if any(f.severity != "info" for f in p.flags)]
    assert {p.id for p in pending} == {p.id for p in reviewable}
    by_title = {p.title: codes(p) for p in rows}
    for title in (
        "Pokhara Sewerage Network Extension",
        "Poti Sewerage Network Extension",
        "Cebu Wastewater Treatment Plant Construction",
        "Odesa Wastewater Treatment Plant Construction",
        "Lach Huyen Wastewater Treatment Plant Construction",
    ):
        assert "MARITIME_DATA" not in by_title[title], title
    assert "MARITIME_DATA" in by_title["Addu City Seawater Desalination Plant"]
    assert "MARITIME_DATA" in by_title["Tema Coastal Seabed and Water Quality Monitoring"]
    # CRITICAL_INFRASTRUCTURE is on every demo project and sends none to the queue
    assert all("CRITICAL_INFRASTRUCTURE" in c for c in by_title.values())
    # measured on the demo: 117 of 340 pending (34.4%) with ruleset 2026.11.1, 112 after
    assert len(pending) < 117 and len(pending) / len(rows) < 0.34


def test_information_flags_stay_out_of_the_flag_facet_unless_asked(app, ministry):
    projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    projects.project_create(
        valid_project(identifier="JP-GOV-1-2026-002", maritime_activities=[]), ministry
    )
    facets = listing.project_facets({}, REVIEWER)
    assert dict(facets["flag"]) == {"MARITIME_DATA": 1}
    asked = listing.project_facets({}, REVIEWER, information_flags=True)
    assert dict(asked["flag"]) == {"CRITICAL_INFRASTRUCTURE": 2, "MARITIME_DATA": 1}
    filtered = {"flag": ["CRITICAL_INFRASTRUCTURE"]}
    assert listing.project_count(filtered, REVIEWER) == 2  # the filter still works
    assert dict(listing.project_facets(filtered, REVIEWER)["flag"]) == {
        "CRITICAL_INFRASTRUCTURE": 2,
        "MARITIME_DATA": 1,
    }
    as_setting = listing.project_facets({"information_flags": True}, REVIEWER)
    assert dict(as_setting["flag"]) == dict(asked["flag"])
    by_severity = listing.project_facets({"severity": ["info"]}, REVIEWER)
    assert "CRITICAL_INFRASTRUCTURE" in dict(by_severity["flag"])


def test_a_rerun_brings_the_source_of_unchanged_flags_to_the_new_rules(app, ministry):
    project = projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    db.session.execute(
        text("UPDATE project_flags SET source = 'Registry screening rules 2026.11.1 (old)'")
    )
    db.session.commit()
    assert screening.screening_rerun(ADMIN).changed == []
    row = db.session.get(Project, project.id)
    db.session.refresh(row)
    assert {f.source for f in row.flags} == {screening.active_ruleset().rules_source}
    version_before = data_version()
    screening.screening_rerun(ADMIN)
    assert data_version() == version_before  # nothing left to bring up to date
