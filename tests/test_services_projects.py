"""The project service: validation on the way in, and what is stored and returned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Project, ProjectCountry, ProjectSector, ProjectVersion
from registry.services import documents, projects
from registry.services.errors import (
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionMismatch,
)
from registry.services.history import project_history
from tests.conftest import valid_project


def _count() -> int:
    return db.session.scalar(select(func.count(Project.id)))


def _refused(actor, record) -> list[dict]:
    """Submit a bad record: it must fail and write nothing. Returns the errors."""
    with pytest.raises(ValidationFailed) as caught:
        projects.project_create(record, actor)
    db.session.rollback()
    assert _count() == 0
    return caught.value.errors


def _only(errors: list[dict]) -> dict:
    assert len(errors) == 1, errors
    return errors[0]


# ---- the refusals the issue lists, each with its corrected form accepted


def test_unknown_country_refused_then_corrected(app, ministry):
    error = _only(_refused(ministry, valid_project(recipient_countries=[{"code": "XX"}])))
    assert error["field"] == "recipient_countries[0].code"
    assert error["code"] == "invalid_country"
    assert "'XX'" in error["message"] and "alpha-2" in error["message"]
    project = projects.project_create(valid_project(recipient_countries=[{"code": "VN"}]), ministry)
    assert project.recipient_countries == [{"code": "VN", "percentage": None}]


@pytest.mark.parametrize("given", ["vnm", "VNM", "vn", "704", 704])
def test_country_codes_in_any_iso_form_stored_as_alpha2(app, ministry, given):
    project = projects.project_create(
        valid_project(recipient_countries=[{"code": given}]), ministry
    )
    assert documents.project_document(project)["recipient_countries"][0]["code"] == "VN"
    assert db.session.scalar(select(ProjectCountry.code)) == "VN"


def test_withdrawn_sector_refused_then_corrected(app, ministry):
    error = _only(_refused(ministry, valid_project(sectors=[{"code": "15140"}])))
    assert error == {
        "field": "sectors[0].code",
        "code": "withdrawn_sector",
        "message": error["message"],
    }
    assert "withdrawn" in error["message"] and "active code" in error["message"]
    projects.project_create(valid_project(sectors=[{"code": "15111"}]), ministry)
    assert _count() == 1


def test_unknown_sector_refused(app, ministry):
    error = _only(_refused(ministry, valid_project(sectors=[{"code": "21040"}, {"code": "99999"}])))
    assert (error["field"], error["code"]) == ("sectors[1].code", "invalid_sector")


def test_percentages_summing_to_90_refused_then_corrected(app, ministry):
    shares = [{"code": "VN", "percentage": "60"}, {"code": "LA", "percentage": 30}]
    error = _only(_refused(ministry, valid_project(recipient_countries=shares)))
    assert error["field"] == "recipient_countries"
    assert error["code"] == "percentages_sum"
    assert "add up to 100" in error["message"] and "90" in error["message"]
    shares[1]["percentage"] = "40"
    project = projects.project_create(valid_project(recipient_countries=shares), ministry)
    assert [r.share_bp for r in db.session.get(Project, project.id).country_shares] == [6000, 4000]


def test_percentages_on_some_entries_only_refused(app, ministry):
    shares = [{"code": "21040", "percentage": "100"}, {"code": "21020"}]
    error = _only(_refused(ministry, valid_project(sectors=shares)))
    assert (error["field"], error["code"]) == ("sectors", "percentages_incomplete")
    assert "entry 1" in error["message"]


def test_shares_without_percentages_split_evenly(app, ministry):
    record = valid_project(sectors=[{"code": "21040"}, {"code": "21020"}, {"code": "23230"}])
    project = projects.project_create(record, ministry)
    rows = db.session.execute(
        select(ProjectSector.code, ProjectSector.category, ProjectSector.share_bp).order_by(
            ProjectSector.position
        )
    )
    assert [tuple(r) for r in rows] == [
        ("21040", "210", 3334),
        ("21020", "210", 3333),
        ("23230", "232", 3333),
    ]
    assert project.sectors[0] == {"code": "21040", "percentage": None}


def test_end_before_start_refused_then_corrected(app, ministry):
    dates = {"planned_start": "2025-01-01", "planned_end": "2024-12-31"}
    error = _only(_refused(ministry, valid_project(dates=dates)))
    assert (error["field"], error["code"]) == ("dates.planned_end", "date_order")
    assert "2024-12-31 is before planned_start 2025-01-01" in error["message"]
    dates["planned_end"] = "2025-01-01"
    assert (
        projects.project_create(valid_project(dates=dates), ministry).planned_end.isoformat()
        == "2025-01-01"
    )


def test_actual_date_in_future_and_missing_start_refused(app, ministry):
    errors = _refused(ministry, valid_project(dates={"actual_end": "2999-01-01"}))
    assert {(e["field"], e["code"]) for e in errors} == {
        ("dates", "missing_start"),
        ("dates.actual_end", "future_date"),
    }


def test_negative_amount_refused_then_corrected(app, ministry):
    finance = {"amount": "-1", "currency": "USD", "instrument": "loan"}
    error = _only(_refused(ministry, valid_project(finance=finance)))
    assert (error["field"], error["code"]) == ("finance.amount", "out_of_range")
    assert "at least 0" in error["message"]
    finance["amount"] = "0"
    assert projects.project_create(valid_project(finance=finance), ministry).amount == Decimal("0")


@pytest.mark.parametrize(
    "amount, stored",
    [
        ("1234567890123.45", "1234567890123.45"),
        (0.1, "0.10"),
        (125000000, "125000000.00"),
        ("999999999999999.99", "999999999999999.99"),
    ],
)
def test_amounts_kept_exact(app, ministry, amount, stored):
    # USD: its minor unit is 2, so cents are allowed (JPY has none: see test_schemas_project).
    finance = {"amount": amount, "currency": "USD", "instrument": "grant"}
    project = projects.project_create(valid_project(finance=finance), ministry)
    db.session.expire_all()
    assert str(db.session.get(Project, project.id).amount) == stored
    assert documents.project_document(project)["finance"]["amount"] == stored


def test_amount_with_three_decimals_refused(app, ministry):
    finance = {"amount": "1.005", "currency": "USD", "instrument": "loan"}
    error = _only(_refused(ministry, valid_project(finance=finance)))
    assert (error["field"], error["code"]) == ("finance.amount", "too_precise")


def test_unknown_currency_refused_then_corrected(app, ministry):
    finance = {"amount": "10", "currency": "ABC", "instrument": "loan"}
    error = _only(_refused(ministry, valid_project(finance=finance)))
    assert (error["field"], error["code"]) == ("finance.currency", "invalid_currency")
    assert "ISO 4217" in error["message"]
    finance["currency"] = "jpy"
    assert projects.project_create(valid_project(finance=finance), ministry).currency == "JPY"


def test_latitude_91_refused_then_corrected(app, ministry):
    location = {"name": "Tien Sa", "latitude": 91, "longitude": "108.21"}
    error = _only(_refused(ministry, valid_project(locations=[location])))
    assert (error["field"], error["code"]) == ("locations[0].latitude", "out_of_range")
    assert "at most 90" in error["message"]
    location["latitude"] = 16.12
    project = projects.project_create(valid_project(locations=[location]), ministry)
    assert project.locations[0]["latitude"] == "16.12"


def test_subdivision_of_another_country_refused_then_corrected(app, ministry):
    location = {
        "name": "Vientiane",
        "latitude": "17.97",
        "longitude": "102.6",
        "subdivision": "LA-VT",
    }
    error = _only(_refused(ministry, valid_project(locations=[location])))
    assert (error["field"], error["code"]) == ("locations[0].subdivision", "subdivision_country")
    assert "LA-VT" in error["message"] and "(VN)" in error["message"]
    record = valid_project(
        locations=[location],
        recipient_countries=[{"code": "VN", "percentage": 50}, {"code": "LA", "percentage": 50}],
    )
    assert projects.project_create(record, ministry).locations[0]["subdivision"] == "LA-VT"


def test_unknown_field_refused_then_corrected(app, ministry):
    error = _only(_refused(ministry, valid_project(budget_line="x")))
    assert (error["field"], error["code"]) == ("budget_line", "unknown_field")
    projects.project_create(valid_project(), ministry)
    assert _count() == 1


def test_301_character_title_refused_then_corrected(app, ministry):
    error = _only(_refused(ministry, valid_project(title="x" * 301)))
    assert (error["field"], error["code"]) == ("title", "too_long")
    assert error["message"] == "Must be between 3 and 300 characters long; got 301."
    assert projects.project_create(valid_project(title="x" * 300), ministry).title == "x" * 300


# ---- more of the record's rules


def test_every_error_is_reported_at_once(app, ministry):
    record = valid_project(
        title="", status="done", identifier=" A/B ", sectors=[{"code": "15140"}], tags=["x" * 51]
    )
    del record["finance"]
    errors = _refused(ministry, record)
    assert {(e["field"], e["code"]) for e in errors} == {
        ("title", "too_short"),
        ("status", "invalid_choice"),
        ("identifier", "whitespace"),
        ("sectors[0].code", "withdrawn_sector"),
        ("tags[0]", "too_long"),
        ("finance", "required"),
    }
    status = next(e for e in errors if e["field"] == "status")
    assert (
        "pipeline, implementation, finalisation, closed, cancelled, suspended" in status["message"]
    )


@pytest.mark.parametrize(
    "field", ["id", "reporting_org", "version", "created_at", "updated_at", "security"]
)
def test_server_owned_fields_refused(app, ministry, field):
    error = _only(_refused(ministry, valid_project(**{field: 1})))
    assert (error["field"], error["code"]) == (field, "server_owned")


@pytest.mark.parametrize("identifier", ["A&B", "A|B", "A?B", "A/B"])
def test_identifier_forbidden_characters(app, ministry, identifier):
    error = _only(_refused(ministry, valid_project(identifier=identifier)))
    assert (error["field"], error["code"]) == ("identifier", "invalid_characters")


def test_identifier_unique_in_registry(app, ministry, other_ministry):
    projects.project_create(valid_project(), ministry)
    with pytest.raises(ValidationFailed) as caught:
        projects.project_create(valid_project(), other_ministry)
    assert _only(caught.value.errors)["code"] == "not_unique"
    db.session.rollback()
    assert _count() == 1


def test_duplicate_lists_refused(app, ministry):
    errors = _refused(
        ministry,
        valid_project(
            recipient_countries=[{"code": "VN"}, {"code": "vnm"}],
            maritime_activities=["dredging", "dredging"],
        ),
    )
    assert {(e["field"], e["code"]) for e in errors} == {
        ("recipient_countries", "duplicate"),
        ("maritime_activities", "duplicate"),
    }


def test_wrong_json_types_named(app, ministry):
    record = valid_project(
        participants=[
            {"name": "X", "role": "investor", "state_owned": "yes", "stake_percentage": 150}
        ],
        tags="ports",
    )
    errors = _refused(ministry, record)
    assert {(e["field"], e["code"]) for e in errors} == {
        ("participants[0].state_owned", "invalid_type"),
        ("participants[0].stake_percentage", "out_of_range"),
        ("tags", "invalid_type"),
    }


def test_body_must_be_an_object(app, ministry):
    assert _refused(ministry, ["not", "an", "object"])[0]["code"] == "invalid_type"


# ---- versions, updates, history, ownership


def test_create_sets_server_fields_and_history(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    document = documents.project_document(project)
    assert document["version"] == 1
    assert document["reporting_org"] == {
        "ref": "JP-GOV-1",
        "name": "Ministry of Foreign Affairs (test)",
    }
    assert document["withdrawn"] is False
    history = project_history(project.id, ministry)
    assert [(h["version"], h["action"], h["actor"]) for h in history] == [
        (1, "create", "JP-GOV-1 (test)")
    ]
    assert {
        "field": "title",
        "old": None,
        "new": "Da Nang Port Container Terminal Expansion",
    } in history[0]["changes"]


def test_update_bumps_version_and_records_diff(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    record = valid_project(title="Da Nang Port Terminal, Phase II")
    record["finance"]["amount"] = "130000000"
    project = projects.project_update(project.id, record, ministry, expected_version=1)
    assert project.version == 2
    changes = project_history(project.id, ministry)[1]["changes"]
    assert changes == [
        {
            "field": "title",
            "old": "Da Nang Port Container Terminal Expansion",
            "new": "Da Nang Port Terminal, Phase II",
        },
        {"field": "finance.amount", "old": "125000000.00", "new": "130000000.00"},
    ]


def test_stale_version_refused_and_nothing_written(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    with pytest.raises(VersionMismatch) as caught:
        projects.project_update(
            project.id, valid_project(title="Changed"), ministry, expected_version=7
        )
    assert caught.value.current_version == 1
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Da Nang Port Container Terminal Expansion"
    assert db.session.scalar(select(func.count(ProjectVersion.id))) == 1


def test_invalid_update_writes_nothing(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    with pytest.raises(ValidationFailed):
        projects.project_update(
            project.id, valid_project(title="x" * 301), ministry, expected_version=1
        )
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Project, project.id).version == 1


def test_another_ministry_cannot_update(app, ministry, other_ministry):
    project = projects.project_create(valid_project(), ministry)
    with pytest.raises(PermissionDenied):
        projects.project_update(
            project.id, valid_project(title="Mine now"), other_ministry, expected_version=1
        )
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Project, project.id).title != "Mine now"


def test_patch_merges_then_validates_whole(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    project = projects.project_patch(
        project.id,
        {"status": "closed", "tags": None, "dates": {"actual_end": "2025-01-01"}},
        ministry,
        expected_version=1,
    )
    document = documents.project_document(project)
    assert document["status"] == "closed" and document["tags"] == []
    assert document["dates"]["actual_end"] == "2025-01-01"
    assert document["dates"]["planned_start"] == "2024-04-01"
    with pytest.raises(ValidationFailed) as caught:
        projects.project_patch(
            project.id, {"dates": {"actual_end": "2020-01-01"}}, ministry, expected_version=2
        )
    assert caught.value.errors[0]["field"] == "dates.actual_end"


def test_withdraw_keeps_record_and_history(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    project = projects.project_withdraw(project.id, ministry, expected_version=1)
    assert documents.project_document(project)["withdrawn"] is True
    assert [h["action"] for h in project_history(project.id, ministry)] == [
        "create",
        "withdraw",
    ]
    with pytest.raises(NotFound):
        projects.project_update(project.id, valid_project(), ministry, expected_version=2)


def test_search_text_covers_participants_and_vendors(app, ministry):
    project = db.session.get(Project, projects.project_create(valid_project(), ministry).id)
    assert "mekong harbour engineering jsc" in project.search_text
    assert "sakura cranes" in project.search_text


def test_merge_patch_follows_rfc7396():
    # The examples of RFC 7396 appendix A.
    cases = [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ]
    for target, patch, expected in cases:
        assert projects.apply_merge_patch(target, patch) == expected
