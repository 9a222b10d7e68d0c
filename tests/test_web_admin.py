"""/admin/vendors through the test client: errors beside their fields in the page's
language, choices kept, duplicates refused with a link, edit and retire with history,
and "Re-run screening" handed to the background."""

from __future__ import annotations

import html as html_lib
import re
import threading

import pytest

from registry.extensions import db
from registry.models import Project, VendorEntry
from registry.services import accounts, background, projects, screening, vendors
from registry.services.actors import Actor
from tests.conftest import valid_project

PASSWORD = "correct horse battery staple"
ADMIN = Actor(label="admin@example.org", role="admin")


def _sign_in(client, role: str):
    user = accounts.user_create(f"{role}@example.org", role, PASSWORD)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def _csrf(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.fixture
def admin(client, app):
    return _sign_in(client, "admin")


def _form(client, url="/admin/vendors", **fields) -> dict:
    data = {
        "csrf_token": _csrf(client, url),
        "name": "Rift Valley Pipes",
        "aliases": "RVP Pipes, Rift Pipes",
        "country": "KE",
        "categories": ["other"],
        "source": "Ministry decision of 2026-11-24",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def _error_of(page: str, field: str) -> str:
    """The text of the error shown beside `field` (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def _checked(page: str) -> set[str]:
    return set(re.findall(r'name="categories" value="(\w+)" checked', page))


def _count() -> int:
    db.session.rollback()  # see what the requests committed since
    return db.session.query(VendorEntry).count()


def _first_id() -> int:
    db.session.rollback()
    return db.session.query(VendorEntry.id).order_by(VendorEntry.id).limit(1).scalar()


def _entry(vendor_id: int) -> VendorEntry:
    db.session.rollback()
    return db.session.get(VendorEntry, vendor_id)


def _wait_for_runs():
    run = background.latest("screening_rerun")
    if run:
        background.wait(run["id"], timeout=60)


@pytest.fixture(autouse=True)
def _runs_end_before_teardown(app):
    yield
    _wait_for_runs()


# ---------------------------------------------------------------- errors beside their fields


def test_no_category_is_an_error_beside_the_field_and_nothing_is_added(admin):
    response = admin.post("/admin/vendors", data=_form(admin, categories=None))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = _error_of(page, "categories")
    assert error.startswith("Tick at least one category:")
    assert "Telecoms" in error and "Surveillance" in error and "Other" in error
    # Inside the categories fieldset, and named in the summary above the form.
    assert re.search(r'<fieldset class="field has-error" id="categories"[^>]*>\s*<legend>', page)
    assert '<li><a href="#categories">Categories</a></li>' in page
    # What was typed stays in the boxes.
    assert 'value="Rift Valley Pipes"' in page and 'value="RVP Pipes, Rift Pipes"' in page
    assert _count() == 0


def test_ticked_boxes_are_kept_when_another_field_is_wrong(admin):
    response = admin.post(
        "/admin/vendors", data=_form(admin, name="", categories=["telecom", "drone"])
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _checked(page) == {"telecom", "drone"}
    assert _error_of(page, "name") == "Enter the company's name: 3 to 300 characters."
    assert _error_of(page, "categories") == ""
    assert 'aria-invalid="true"' in page and 'aria-describedby="name-error"' in page


def test_service_errors_land_beside_their_fields(admin):
    page = admin.post(
        "/admin/vendors", data=_form(admin, country="XX", aliases="ok name, ab")
    ).get_data(as_text=True)
    assert "ISO 3166-1" in _error_of(page, "country") and "CN" in _error_of(page, "country")
    assert "3 to 300 characters" in _error_of(page, "aliases")
    assert _checked(page) == {"other"}


def test_errors_are_in_the_pages_language(admin):
    admin.get("/admin/vendors?lang=ja")
    page = admin.post("/admin/vendors", data=_form(admin, categories=None)).get_data(as_text=True)
    error = _error_of(page, "categories")
    assert '<html lang="ja">' in page
    assert error.startswith("区分を一つ以上選んでください") and "通信" in error
    page = admin.post("/admin/vendors", data=_form(admin, name="Huawei Co., Ltd.")).get_data(
        as_text=True
    )
    assert "すでに" in _error_of(page, "name") and "Huawei Technologies" in page


# ---------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("spelling", "href"),
    [
        ("huawei technologies", "/admin/vendors#seed-huawei"),
        ("HUAWEI TECHNOLOGIES CO., LTD.", "/admin/vendors#seed-huawei"),
        ("Ｈｕａｗｅｉ Ｔｅｃｈｎｏｌｏｇｉｅｓ", "/admin/vendors#seed-huawei"),
        ("rift valley pipes co., ltd.", "/admin/vendors/1"),
        ("ＲＩＦＴ　ＶＡＬＬＥＹ　ＰＩＰＥＳ", "/admin/vendors/1"),
        ("Rift Valley Pipes Inc", "/admin/vendors/1"),
    ],
)
def test_a_duplicate_is_refused_with_a_link_to_the_entry(admin, spelling, href):
    assert admin.post("/admin/vendors", data=_form(admin)).status_code == 302
    _wait_for_runs()
    response = admin.post("/admin/vendors", data=_form(admin, name=spelling, aliases=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="name-error">(.*?)</p>', page, re.S).group(1)
    assert f'<a href="{href}">' in error and "is already listed as" in error
    assert html_lib.escape(spelling, quote=True) in error
    assert f'value="{html_lib.escape(spelling, quote=True)}"' in page  # kept in the box
    assert _count() == 1
    if "seed" in href:
        assert 'id="seed-huawei"' in admin.get("/admin/vendors").get_data(as_text=True)


# ---------------------------------------------------------------- edit, retire, history


def test_add_edit_retire_with_history_shown(admin):
    response = admin.post("/admin/vendors", data=_form(admin))
    assert response.status_code == 302
    vendor_id = _first_id()
    listing = admin.get("/admin/vendors").get_data(as_text=True)
    assert "Vendor Rift Valley Pipes added." in listing
    assert f'<a href="/admin/vendors/{vendor_id}">Rift Valley Pipes</a>' in listing
    _wait_for_runs()

    url = f"/admin/vendors/{vendor_id}"
    # The reason is required: an error beside it, the edit not saved, the edit kept.
    response = admin.post(url, data=_form(admin, url, name="Rift Valley Pipeworks", reason=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_of(page, "reason").startswith("Say why, in 1 to 1,000 characters")
    assert 'value="Rift Valley Pipeworks"' in page
    assert _entry(vendor_id).name == "Rift Valley Pipes"

    response = admin.post(
        url,
        data=_form(
            admin,
            url,
            name="Rift Valley Pipeworks",
            categories=["other", "telecom"],
            reason="Name as registered",
        ),
    )
    assert response.status_code == 302
    page = admin.get(url).get_data(as_text=True)
    assert "Vendor Rift Valley Pipeworks updated." in page
    history = page[page.index('id="history"') :]
    assert "admin@example.org" in history and "Name as registered" in history
    assert "<del>Rift Valley Pipes</del> → <ins>Rift Valley Pipeworks</ins>" in history
    assert "<del>Other</del> → <ins>Other, Telecoms</ins>" in history
    _wait_for_runs()

    retire = f"{url}/retire"
    token = _csrf(admin, url)
    response = admin.post(retire, data={"csrf_token": token, "retire-reason": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_of(page, "retire-reason").startswith("Say why")
    assert _entry(vendor_id).retired_at is None

    response = admin.post(retire, data={"csrf_token": token, "retire-reason": "Delisted"})
    assert response.status_code == 302
    page = admin.get(url).get_data(as_text=True)
    assert "retired: it no longer matches" in page and "Retired</span>" in page
    assert "Delisted" in page[page.index('id="history"') :]
    assert "<h2>Edit this vendor</h2>" not in page  # a retired entry is not edited
    listing = admin.get("/admin/vendors").get_data(as_text=True)
    assert re.search(rf'<tr id="vendor-{vendor_id}" class="retired">', listing)


def test_retired_vendor_no_longer_flags_after_the_rerun(admin, ministry):
    admin.post("/admin/vendors", data=_form(admin))
    _wait_for_runs()
    project = projects.project_create(
        valid_project(
            identifier="KE-1",
            participants=[{"name": "Rift Valley Pipes Ltd", "role": "contractor"}],
        ),
        ministry,
    )
    assert "HIGH_RISK_VENDOR" in {f.code for f in project.screening.flags}
    vendor_id = _first_id()
    url = f"/admin/vendors/{vendor_id}"
    admin.post(f"{url}/retire", data={"csrf_token": _csrf(admin, url), "retire-reason": "Gone"})
    _wait_for_runs()
    db.session.rollback()
    assert "HIGH_RISK_VENDOR" not in {f.code for f in db.session.get(Project, project.id).flags}
    page = admin.get("/admin/vendors").get_data(as_text=True)
    assert "1 changed" in page and '<span class="run-state state-done">Done</span>' in page


# ---------------------------------------------------------------- re-run in the background


def test_rerun_returns_at_once_and_shows_its_result_when_done(admin, ministry, monkeypatch):
    projects.project_create(valid_project(), ministry)
    release, real = threading.Event(), screening.screening_rerun

    def slow(actor, **kw):
        assert release.wait(30)
        return real(actor, **kw)

    monkeypatch.setattr(screening, "screening_rerun", slow)
    token = _csrf(admin, "/admin/vendors")
    response = admin.post("/admin/screening/rerun", data={"csrf_token": token})
    assert response.status_code == 302  # answered while the work waits
    run_id = background.latest("screening_rerun")["id"]
    assert response.headers["Location"] == f"/admin/screening/runs/{run_id}"
    page = admin.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert "Re-screening started in the background" in body
    assert re.search(r'state-(queued|running)">(Waiting to start|Running)<', body)
    assert page.headers["Refresh"] == "3"  # the run page follows the run
    # The vendors page shows the run with a link to follow it, and never reloads itself
    # (an admin typing a vendor would lose it).
    listing = admin.get("/admin/vendors")
    assert "Refresh" not in listing.headers
    assert f'href="/admin/screening/runs/{run_id}">Follow this run' in listing.get_data(
        as_text=True
    )
    # A second press joins the run under way.
    again = admin.post("/admin/screening/rerun", data={"csrf_token": token})
    assert again.headers["Location"] == f"/admin/screening/runs/{run_id}"
    body = admin.get(again.headers["Location"]).get_data(as_text=True)
    assert "already under way; this page follows it" in body
    release.set()
    _wait_for_runs()
    page = admin.get(f"/admin/screening/runs/{run_id}")
    body = page.get_data(as_text=True)
    assert "Refresh" not in page.headers
    assert "1 projects screened, 0 changed, 0 reviews reopened." in body
    assert "state-done" in body and "admin@example.org" in body
    assert "1 projects screened" in admin.get("/admin/vendors").get_data(as_text=True)


# ---------------------------------------------------------------- who may, and CSRF


def test_csrf_is_enforced(admin):
    form = _form(admin)
    del form["csrf_token"]
    assert admin.post("/admin/vendors", data=form).status_code == 400
    assert admin.post("/admin/screening/rerun").status_code == 400
    vendor = vendors.vendor_add(
        {"name": "Polar Lens", "categories": ["other"], "source": "x"}, ADMIN
    )
    assert (
        admin.post(f"/admin/vendors/{vendor.id}/retire", data={"retire-reason": "x"}).status_code
        == 400
    )
    assert _count() == 1
    assert background.latest("screening_rerun") is None


@pytest.mark.parametrize("role", ["diplomat", "planner", "reviewer"])
def test_non_admins_get_403(client, app, role):
    vendor = vendors.vendor_add(
        {"name": "Polar Lens", "categories": ["other"], "source": "x"}, ADMIN
    )
    _sign_in(client, role)
    for method, url in (
        ("get", "/admin/vendors"),
        ("post", "/admin/vendors"),
        ("get", f"/admin/vendors/{vendor.id}"),
        ("post", f"/admin/vendors/{vendor.id}"),
        ("post", f"/admin/vendors/{vendor.id}/retire"),
        ("post", "/admin/screening/rerun"),
        ("get", "/admin/screening/runs/1"),
    ):
        token = _csrf(client, "/projects")
        response = getattr(client, method)(url, data={"csrf_token": token})
        assert response.status_code == 403, (method, url)
    assert background.latest("screening_rerun") is None


def test_unknown_vendor_or_run_is_404(admin):
    response = admin.get("/admin/vendors/999")
    assert response.status_code == 404
    assert "There is no vendor entry 999." in response.get_data(as_text=True)
    huge = 10**30
    assert admin.get(f"/admin/vendors/{huge}").status_code == 404
    token = _csrf(admin, "/admin/vendors")
    retire = admin.post(f"/admin/vendors/{huge}/retire", data={"csrf_token": token})
    assert retire.status_code == 404
    response = admin.get("/admin/screening/runs/5")
    assert response.status_code == 404
    assert "There is no re-run 5." in response.get_data(as_text=True)
    assert admin.get(f"/admin/screening/runs/{huge}").status_code == 404


def test_an_edit_that_changes_nothing_says_so(admin):
    vendor = vendors.vendor_add(
        {"name": "Polar Lens", "categories": ["other"], "source": "x"}, ADMIN
    )
    url = f"/admin/vendors/{vendor.id}"
    form = _form(admin, url, name="Polar Lens", aliases="", country="", source="x", reason="No-op")
    response = admin.post(url, data=form)
    assert response.status_code == 302
    assert "Nothing changed" in admin.get(url).get_data(as_text=True)
    assert background.latest("screening_rerun") is None
    assert [c.action for c in vendors.vendor_history(vendor.id, ADMIN)] == ["add"]
