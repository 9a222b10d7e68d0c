"""Vendors of concern in the service layer: duplicates, edits and retirements with their
history, and the background hand-off that re-screens after them."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from registry.extensions import db
from registry.models import Project
from registry.models.background import BackgroundRun
from registry.models.types import utcnow
from registry.services import background, projects, screening, vendors
from registry.services.actors import Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.conftest import valid_project

ADMIN = Actor(label="admin@example.org", role="admin")
OTHER_ADMIN = Actor(label="admin2@example.org", role="admin")
REVIEWER = Actor(label="rev@example.org", role="reviewer")


def entry(**overrides) -> dict:
    payload = {
        "name": "Nordwind Optics",
        "aliases": ["Nordwind"],
        "country": "RU",
        "categories": ["surveillance"],
        "source": "Admin decision of 2026-11-24",
    }
    payload.update(overrides)
    return payload


def flag_codes(project_id: int) -> set[str]:
    db.session.expire_all()
    return {f.code for f in db.session.get(Project, project_id).flags}


# ---------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    "spelling",
    [
        "huawei technologies",
        "HUAWEI TECHNOLOGIES CO., LTD.",
        "Huawei Technologies Co., Ltd.",
        "Ｈｕａｗｅｉ　Ｔｅｃｈｎｏｌｏｇｉｅｓ",  # full-width letters and space
        "  Huawei   Technologies Inc ",
    ],
)
def test_a_seed_vendor_is_refused_in_any_spelling(app, spelling):
    with pytest.raises(vendors.DuplicateVendor) as caught:
        vendors.vendor_add(entry(name=spelling, aliases=[]), ADMIN)
    assert caught.value.existing.seed_id == "huawei"
    assert caught.value.existing.name == "Huawei Technologies"
    assert caught.value.errors[0]["field"] == "name"
    assert caught.value.errors[0]["code"] == "duplicate"
    assert vendors.vendor_list(ADMIN) == []


@pytest.mark.parametrize(
    "spelling",
    [
        "nordwind optics",
        "NORDWIND OPTICS CO., LTD.",
        "Nordwind Optics Inc.",
        "Ｎｏｒｄｗｉｎｄ　Ｏｐｔｉｃｓ",
        "Nordwind",  # the other name of the first entry
    ],
)
def test_an_admin_entry_is_refused_in_any_spelling(app, spelling):
    first = vendors.vendor_add(entry(), ADMIN)
    with pytest.raises(vendors.DuplicateVendor) as caught:
        vendors.vendor_add(entry(name=spelling, aliases=[]), OTHER_ADMIN)
    assert caught.value.existing.entry_id == first.id
    assert caught.value.submitted == spelling
    assert [v.id for v in vendors.vendor_list(ADMIN)] == [first.id]


def test_japanese_legal_forms_and_other_names_are_compared_too(app):
    first = vendors.vendor_add(entry(name="ノルドヴィント株式会社", aliases=[]), ADMIN)
    with pytest.raises(vendors.DuplicateVendor) as caught:
        vendors.vendor_add(entry(name="株式会社ノルドヴィント", aliases=[]), ADMIN)
    assert caught.value.existing.entry_id == first.id
    # An other name that is a listed vendor's name is refused on the aliases field.
    with pytest.raises(vendors.DuplicateVendor) as caught:
        vendors.vendor_add(entry(name="Polar Lens", aliases=["Hikvision"]), ADMIN)
    assert caught.value.errors[0]["field"] == "aliases"
    assert caught.value.existing.seed_id == "hikvision"
    # Different words are different vendors.
    assert vendors.vendor_add(entry(name="Huawei Marine Survey", aliases=[]), ADMIN).id


# ---------------------------------------------------------------- edit and retire


def test_edit_keeps_history_and_needs_a_reason(app):
    vendor = vendors.vendor_add(entry(), ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        vendors.vendor_update(vendor.id, entry(name="Nordwind Optical"), ADMIN)
    assert [e["field"] for e in caught.value.errors] == ["reason"]
    with pytest.raises(ValidationFailed) as caught:
        vendors.vendor_update(vendor.id, {**entry(), "reason": "   "}, ADMIN)
    assert [e["field"] for e in caught.value.errors] == ["reason"]

    edited = vendors.vendor_update(
        vendor.id,
        {**entry(name="Nordwind Optical", categories=["surveillance", "drone"]), "reason": "Typo"},
        OTHER_ADMIN,
    )
    assert edited.name == "Nordwind Optical" and edited.revision == 2
    history = vendors.vendor_history(vendor.id, ADMIN)
    assert [(h.action, h.actor, h.reason) for h in history] == [
        ("edit", "admin2@example.org", "Typo"),
        ("add", "admin@example.org", ""),
    ]
    assert history[0].changes == [
        {"field": "name", "before": "Nordwind Optics", "after": "Nordwind Optical"},
        {"field": "categories", "before": ["surveillance"], "after": ["surveillance", "drone"]},
    ]
    assert history[0].changed_at <= utcnow()
    # Keeping its own name is no duplicate; taking another's is.
    vendors.vendor_update(vendor.id, {**entry(name="Nordwind Optical"), "reason": "x"}, ADMIN)
    other = vendors.vendor_add(entry(name="Polar Lens", aliases=[]), ADMIN)
    with pytest.raises(vendors.DuplicateVendor):
        vendors.vendor_update(
            other.id, {**entry(name="NORDWIND OPTICAL LTD"), "reason": "x"}, ADMIN
        )


def test_retire_needs_a_reason_stays_listed_and_frees_the_name(app):
    vendor = vendors.vendor_add(entry(), ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        vendors.vendor_retire(vendor.id, {"reason": ""}, ADMIN)
    assert [e["field"] for e in caught.value.errors] == ["reason"]
    retired = vendors.vendor_retire(vendor.id, {"reason": "Delisted on 2026-12-01"}, OTHER_ADMIN)
    assert retired.retired_at is not None and retired.name_key is None
    assert [v.id for v in vendors.vendor_list(ADMIN)] == [vendor.id]  # still listed
    assert vendors.vendor_history(vendor.id, ADMIN)[0].reason == "Delisted on 2026-12-01"
    with pytest.raises(ValidationFailed) as caught:
        vendors.vendor_update(vendor.id, {**entry(), "reason": "x"}, ADMIN)
    assert caught.value.errors[0]["code"] == "retired"
    again = vendors.vendor_retire(vendor.id, {"reason": "twice"}, ADMIN)
    assert again.revision == retired.revision  # nothing more happened
    assert vendors.vendor_add(entry(), ADMIN).id != vendor.id  # added afresh


def test_only_admins_manage_vendors(app):
    vendor = vendors.vendor_add(entry(), ADMIN)
    for call in (
        lambda: vendors.vendor_add(entry(name="Polar Lens"), REVIEWER),
        lambda: vendors.vendor_update(vendor.id, {**entry(), "reason": "x"}, REVIEWER),
        lambda: vendors.vendor_retire(vendor.id, {"reason": "x"}, REVIEWER),
        lambda: vendors.vendor_list(REVIEWER),
        lambda: vendors.vendor_history(vendor.id, REVIEWER),
        lambda: background.start("screening_rerun", REVIEWER),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(NotFound):
        vendors.vendor_retire(vendor.id + 100, {"reason": "x"}, ADMIN)


def test_retired_and_edited_vendors_change_screening_after_the_rerun(app, ministry):
    vendor = vendors.vendor_add(entry(), ADMIN)
    project = projects.project_create(
        valid_project(
            identifier="NORDWIND-1",
            technologies=[{"category": "other", "vendor": "Nordwind Optics GmbH"}],
        ),
        ministry,
    )
    assert "HIGH_RISK_VENDOR" in flag_codes(project.id)

    vendors.vendor_update(vendor.id, {**entry(name="Polar Lens", aliases=[]), "reason": "x"}, ADMIN)
    run = background.wait(background.start("screening_rerun", ADMIN), timeout=60)
    assert run["status"] == "done" and run["result"]["changed"] == 1
    assert "HIGH_RISK_VENDOR" not in flag_codes(project.id)

    vendors.vendor_update(vendor.id, {**entry(), "reason": "Back to the listed name"}, ADMIN)
    background.wait(background.start("screening_rerun", ADMIN), timeout=60)
    assert "HIGH_RISK_VENDOR" in flag_codes(project.id)

    vendors.vendor_retire(vendor.id, {"reason": "Delisted"}, ADMIN)
    run = background.wait(background.start("screening_rerun", ADMIN), timeout=60)
    assert run["result"]["removed"] == {"HIGH_RISK_VENDOR": 1}
    assert "HIGH_RISK_VENDOR" not in flag_codes(project.id)
    assert all("local-" not in v["id"] for v in screening.active_ruleset().vendor_list)


# ---------------------------------------------------------------- the background hand-off


@pytest.fixture
def blocking(monkeypatch):
    """A kind of work that waits for `release` before it ends."""
    release, started = threading.Event(), threading.Event()

    def work(actor, progress, fail=False):
        started.set()
        assert release.wait(30)
        progress(7)
        if fail:
            raise RuntimeError("the list could not be read")
        return {"seen": actor.label}

    monkeypatch.setitem(
        background.KINDS, "test_work", (work, lambda actor: actor.role == "admin", lambda: 7)
    )
    return release, started


def test_start_returns_at_once_and_the_run_finishes_in_the_background(app, blocking):
    release, started = blocking
    run_id = background.start("test_work", ADMIN)
    assert started.wait(10)
    running = background.status(run_id)
    assert running["status"] == "running" and running["started_at"] is not None
    assert running["actor"] == "admin@example.org" and running["total"] == 7
    # A second admin pressing the button joins the run under way.
    assert background.start("test_work", OTHER_ADMIN) == run_id
    release.set()
    done = background.wait(run_id, timeout=30)
    assert done["status"] == "done" and done["result"] == {"seen": "admin@example.org"}
    assert done["done"] == 7 and done["finished_at"] >= done["started_at"]
    # Once it is over, a new run starts.
    assert background.start("test_work", OTHER_ADMIN) != run_id
    background.wait(background.latest("test_work")["id"], timeout=30)


def test_two_starts_at_the_same_moment_make_one_run(app, blocking, make_app):
    release, _ = blocking
    ids, barrier = [], threading.Barrier(2)

    def press(actor):
        with app.app_context():
            barrier.wait()
            ids.append(background.start("test_work", actor))
            db.session.remove()

    presses = [threading.Thread(target=press, args=(a,)) for a in (ADMIN, OTHER_ADMIN)]
    for t in presses:
        t.start()
    for t in presses:
        t.join(30)
    assert len(ids) == 2 and ids[0] == ids[1]
    release.set()
    assert background.wait(ids[0], timeout=30)["status"] == "done"
    assert db.session.scalar(select(BackgroundRun.id).where(BackgroundRun.id != ids[0])) is None


def test_a_failed_run_says_why_and_frees_the_kind(app, blocking):
    release, _ = blocking
    release.set()
    run_id = background.start("test_work", ADMIN, fail=True)
    failed = background.wait(run_id, timeout=30)
    assert failed["status"] == "failed" and "the list could not be read" in failed["error"]
    assert failed["params"] == {"fail": True}
    background.wait(background.start("test_work", ADMIN), timeout=30)


def test_a_run_whose_worker_stopped_is_given_up(app, blocking):
    release, _ = blocking
    release.set()
    db.session.add(
        BackgroundRun(
            kind="test_work",
            status="running",
            actor="gone@example.org",
            params={},
            lock_key="test_work",
            queued_at=utcnow() - timedelta(hours=2),
            heartbeat_at=utcnow() - timedelta(hours=1),
        )
    )
    db.session.commit()
    lost = db.session.scalar(select(BackgroundRun.id))
    run_id = background.start("test_work", ADMIN)
    assert run_id != lost
    assert background.status(lost)["status"] == "failed"
    assert "worker stopped" in background.status(lost)["error"]
    assert background.wait(run_id, timeout=30)["status"] == "done"
    db.session.execute(update(BackgroundRun).values(lock_key=None))
    db.session.commit()


def test_the_rerun_screens_again_when_the_lists_change_while_it_runs(app, ministry, monkeypatch):
    project = projects.project_create(
        valid_project(
            identifier="NORDWIND-2",
            technologies=[{"category": "other", "vendor": "Nordwind Optics"}],
        ),
        ministry,
    )
    real, calls = screening.screening_rerun, []

    def rerun_then_add(actor, **kw):
        report = real(actor, **kw)
        if not calls:  # an admin adds a vendor while the first pass runs
            with app.app_context():
                vendors.vendor_add(entry(), ADMIN)
                db.session.remove()
        calls.append(report.ruleset_version)
        return report

    monkeypatch.setattr(screening, "screening_rerun", rerun_then_add)
    run = background.wait(background.start("screening_rerun", ADMIN), timeout=60)
    assert run["status"] == "done" and len(calls) == 2 and calls[0] != calls[1]
    assert "HIGH_RISK_VENDOR" in flag_codes(project.id)
