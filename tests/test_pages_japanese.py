"""Every page in Japanese holds no English sentence that is not data.

With the demo data, one person per role, a review decision and a re-screening in the
history, every GET page of the pages' blueprint is rendered with `Accept-Language: ja` for
each role that may see it, and so are the error pages (404, 422 from bad filters) and the
forms sent back with errors. Project titles, names, codes, e-mail addresses and URLs are
taken out (`tests/japanese_text.py`); any run of two or more English words left is an
untranslated sentence, and so is a raw code such as `cleared_with_conditions`.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from registry.app import create_app
from registry.extensions import db
from registry.models import Project
from registry.services import accounts, background, history, reviews, screening, seeding, vendors
from registry.services.actors import ADMIN, REVIEWER, Actor
from registry.web import helpers
from schemas import fields as fields_module
from schemas.reviews import ReviewDecisionSchema
from tests.conftest import FreshContextClient, empty_tables
from tests.japanese_text import EnglishFinder, seed_data_strings, visible_text

ROOT = Path(__file__).resolve().parent.parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ROLES = ("diplomat", "reviewer", "planner", "admin")
PROBES = Path(__file__).parent / "e2e" / "probe_projects.json"
JA = {"Accept-Language": "ja"}
# Pages that are not pages: downloads, the health check, signing out.
NOT_PAGES = {"web.export_projects", "web.export_summary", "web.healthz", "web.logout"}

# Addresses with bad settings: each must answer a Japanese page that names the problem.
BAD_FILTERS = (
    "/projects?status=bogus&country=Vietnam&limit=0&sector=abc&updated_since=yesterday",
    "/projects?sort=sideways&q=" + "x" * 600,
    "/projects?include_withdrawn=maybe&region=999&cursor=broken",
    "/exports?country=Vietnam&status=bogus&group_by=nothing",
    "/exports/projects.csv?country=Vietnam&explode=nothing",
    "/exports/summary.csv?group_by=nothing&convert_to=XYZ",
    "/reviews?sort=sideways&severity=bogus&page=0",
    "/countries/XX",
    "/countries?region=999",
)
NOT_FOUND = ("/no-such-page", "/projects/999999", "/countries/ZZZ", "/projects/0")


@pytest.fixture(scope="module")
def site(database_url):
    """The app (CSRF off, to send forms simply) with the demo data and its probes, one
    person per role, a review decision, a vendor added and screening re-run."""
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        probes = json.loads(PROBES.read_text("utf-8"))
        seeding.demo_load(projects=seeding.demo_projects() + probes)
        users = {
            role: accounts.user_create(f"{role}@example.org", role, "a-long-password-1").id
            for role in ROLES
        }
        reviewer = Actor(label="reviewer@example.org", role=REVIEWER)
        queue = reviews.review_queue(reviewer).items
        decided = queue[0].id
        reviews.review_decide(
            decided,
            {"status": "cleared_with_conditions", "note": "Vendor swap agreed."},
            reviewer,
        )
        admin = Actor(label="admin@example.org", role=ADMIN)
        vendor = vendors.vendor_add(
            {
                "name": "Pokhara Environmental Services",
                "aliases": [],
                "country": "NP",
                "categories": ["other"],
                "source": "Test list",
            },
            admin,
        )
        seeding_ids = {
            "decided": decided,
            "vendor": vendor.id,
            "undated": db.session.scalars(
                db.select(Project.id).where(Project.actual_start.is_(None))
            ).first(),
            "plain": db.session.scalars(
                db.select(Project.id).where(Project.review_status == "not_required")
            ).first(),
        }
        # Re-screening writes history lines signed by the registry.

        screening.screening_rerun(admin)
        db.session.remove()
    # A re-screening run started from the admin page, as people start it: its page too.
    site = {"app": app, "users": users, "ids": seeding_ids}
    started = _client(site, "admin").post("/admin/screening/rerun")
    run = re.search(r"/runs/(\d+)", started.headers.get("Location", ""))
    seeding_ids["run"] = int(run.group(1)) if run else 0
    if run:
        with app.app_context():
            background.wait(seeding_ids["run"], timeout=120)
    data = seed_data_strings(json.loads(PROBES.read_text("utf-8")))
    data |= {"Vendor swap agreed.", "Pokhara Environmental Services", "Test list"}
    yield {"app": app, "users": users, "ids": seeding_ids, "finder": EnglishFinder(data)}
    with app.app_context():
        db.session.remove()
        empty_tables(db.engine)
        db.engine.dispose()


def _client(site, role: str | None):
    client = site["app"].test_client()
    if role:
        with client.session_transaction() as session:
            session["_user_id"] = str(site["users"][role])
            session["_fresh"] = True
    return client


def _sample(argument: str, site) -> str:
    samples = {
        "project_id": site["ids"]["decided"],
        "code": "VN",
        "vendor_id": site["ids"]["vendor"],
        "run_id": site["ids"]["run"],
    }
    if argument not in samples:
        pytest.fail(f"no sample value for the page argument {argument!r}: add one to _sample()")
    return str(samples[argument])


def page_urls(app: Flask, site) -> list[str]:
    """Every GET page of the pages' blueprint, with sample arguments, and a few variants."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or rule.endpoint in NOT_PAGES:
            continue
        if "GET" not in rule.methods:
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", _sample(argument, site))
            url = url.replace(f"<int:{argument}>", _sample(argument, site))
        urls.append(url)
    urls += [
        f"/projects/{site['ids']['plain']}",
        f"/projects/{site['ids']['undated']}",
        "/projects?flagged=true",
        "/projects?country=VN&sector=220",
        "/countries/JP",
        "/countries/AQ",
        "/exports?country=VN&group_by=sector",
    ]
    return sorted(set(urls))


def _english_on(site, client, url: str, method: str = "GET", **kw) -> tuple[int, list[str]]:
    response = client.open(url, method=method, headers=JA, **kw)
    if response.status_code in (301, 302, 303, 307, 308):
        response = client.get(response.headers["Location"], headers=JA)
    if response.mimetype != "text/html":
        response.close()  # a download streams from a server-side cursor: end it
        return response.status_code, []
    html = response.get_data(as_text=True)
    assert '<html lang="ja">' in html, f"{url} is not a Japanese page"
    chunks = visible_text(html)
    # An absent date says so ("未設定"); a bare "– –" tells nothing.
    empty_dates = [f"absent dates shown as {c!r}" for c in chunks if "– –" in c]
    return response.status_code, site["finder"].english(chunks) + empty_dates


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(
        f"{url}:\n    " + "\n    ".join(runs) for url, runs in sorted(found.items()) if runs
    )


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_page_is_japanese_for_every_role(site, role):
    client = _client(site, role)
    found = {}
    for url in page_urls(site["app"], site):
        status, runs = _english_on(site, client, url)
        assert status < 500, f"{url} answered {status}"
        found[url] = runs
    assert not any(found.values()), f"English on Japanese pages ({role}):\n{_report(found)}"


@pytest.mark.parametrize("role", ["planner", "reviewer"])
def test_error_pages_are_japanese(site, role):
    client = _client(site, role)
    found = {}
    for url in (*BAD_FILTERS, *NOT_FOUND):
        status, runs = _english_on(site, client, url)
        assert 400 <= status < 500 or status == 200, f"{url} answered {status}"
        found[url] = runs
    assert not any(found.values()), f"English on Japanese error pages:\n{_report(found)}"


def test_forms_sent_back_with_errors_are_japanese(site):
    """Each form with its errors shown: signing in, a review decision, a vendor entry."""
    decided = site["ids"]["decided"]
    cases = [
        (None, "/login", {"email": "nobody@example.org", "password": "wrong"}),
        (None, "/login", {"email": "not an address", "password": ""}),
        ("reviewer", f"/projects/{decided}/review", {"status": "", "note": ""}),
        ("reviewer", f"/projects/{decided}/review", {"status": "bogus", "note": "x" * 10_001}),
        ("admin", "/admin/vendors", {"name": "", "country": "Vietnam", "source": ""}),
        ("admin", "/admin/vendors", {"name": "Huawei Technologies", "source": "x"}),
    ]
    found = {}
    for role, url, form in cases:
        status, runs = _english_on(site, _client(site, role), url, method="POST", data=form)
        assert status < 500, f"POST {url} answered {status}"
        found[f"POST {url} {sorted(form)}"] = runs
    assert not any(found.values()), f"English on Japanese forms:\n{_report(found)}"


def test_the_finder_catches_english_and_passes_data(site):
    """The check itself: a sentence is caught, data and codes are not."""
    finder = site["finder"]
    assert finder.english(["Review decision: cleared with conditions."])
    assert finder.english(["状態: pending → cleared_with_conditions"])
    assert not finder.english(["Pokhara Sewerage Network Extension（NP）"])
    assert not finder.english(["CSV をダウンロード（UTF-8、Excel 用 BOM 付き）"])
    assert not finder.english(["reviewer@example.org が 2026-12-01 に記録"])
    assert not finder.english(["OECD DAC コード 21040、ISO 3166-1 VN、CRITICAL_INFRASTRUCTURE"])


def test_text_marked_translate_no_is_data():
    html = '<p>受益国</p><table translate="no"><td>Water transport</td></table><p>Not this</p>'
    assert visible_text(html) == ["受益国", "Not this"]


# ---- the helpers that say data and problems in the page's language

HISTORY = [
    {
        "version": 1,
        "action": "create",
        "actor": "system: seed demo",
        "changed_at": "2026-03-01T09:30:00+00:00",
        "changes": [
            {"field": "security.review_status", "old": None, "new": "pending"},
            {"field": "security.flags", "old": None, "new": ["MARITIME_DATA:high"]},
            {"field": "dates.planned_end", "old": None, "new": "2030-03-31"},
        ],
        "note": "",
    },
    {
        "version": 2,
        "action": "review",
        "actor": "a reviewer",
        "changed_at": "2026-03-02T10:00:00+00:00",
        "changes": [
            {
                "field": "security.review_status",
                "old": "pending",
                "new": "cleared_with_conditions",
            }
        ],
        "note": "Review decision: cleared with conditions.",
    },
    {
        "version": 3,
        "action": "rescreen",
        "actor": "the registry",
        "changed_at": "2026-03-03T10:00:00+00:00",
        "changes": [],
        "note": "Re-screened with ruleset 2026.12.1.",
    },
]


def _in(app, language: str, call):
    with app.test_request_context("/"), force_locale(language):
        return call()


def test_history_lines_are_told_in_the_pages_language(site):
    """The stored English notes, actors and codes become the page's words; the API's
    history (services/history.py) keeps them as they are."""
    app = site["app"]
    ja = _in(app, "ja", lambda: helpers.history_entries(HISTORY))
    en = _in(app, "en", lambda: helpers.history_entries(HISTORY))
    actors = ["登録システム（デモデータの読み込み）", "審査担当者", "登録システム"]
    assert [e["actor"] for e in ja] == actors
    assert ja[1]["note"] == "審査結果：条件付き承認。"
    assert ja[2]["note"] == "ルールセット 2026.12.1 で再スクリーニングしました。"
    assert ja[1]["changes"] == [
        {
            "field": "審査状況",
            "code": "security.review_status",
            "old": "審査待ち",
            "new": "条件付き承認",
        }
    ]
    assert ja[0]["changes"][1]["new"].startswith("海洋データ")
    assert ja[0]["changes"][2]["new"] == "2030/03/31"
    assert en[1]["note"] == "Review decision: cleared with conditions."
    assert en[1]["changes"][0]["new"] == "Cleared with conditions"
    assert en[0]["actor"] == "the registry (loading the demo data)"
    # A person's own note and e-mail address stay as written.
    person = {**HISTORY[1], "actor": "reviewer@example.org", "note": "Vendor swap agreed."}
    told = _in(app, "ja", lambda: helpers.history_entries([person]))[0]
    assert told["actor"] == "reviewer@example.org" and told["note"] == "Vendor swap agreed."
    finder = site["finder"]
    for entry in ja:
        texts = [entry["actor"], entry["note"], entry["action"]]
        texts += [c[k] for c in entry["changes"] for k in ("field", "old", "new")]
        assert not finder.english(texts), entry


def test_history_api_keeps_its_english(site):
    client = _client(site, "reviewer")
    decided = site["ids"]["decided"]
    page = client.get(f"/projects/{decided}", headers=JA)
    assert page.status_code == 200
    with site["app"].app_context():
        reviewer = Actor(label="reviewer@example.org", role=REVIEWER)
        entries = history.project_history(decided, reviewer)
    notes = [e["note"] for e in entries]
    assert "Review decision: cleared with conditions." in notes
    assert set(entries[0]) == {"version", "action", "actor", "changed_at", "changes", "note"}


def test_absent_dates_say_not_set(site):
    app = site["app"]
    assert _in(app, "ja", lambda: helpers.date(None)) == "未設定"
    assert _in(app, "en", lambda: helpers.date("")) == "not set"
    assert _in(app, "ja", lambda: helpers.date_range(None, None)) == "未設定"
    assert _in(app, "en", lambda: helpers.date_range("2022-03-01", None)) == "from Mar 1, 2022"
    assert _in(app, "ja", lambda: helpers.date_range(None, "2030-03-31")) == "2030/03/31 まで"
    both = _in(app, "en", lambda: helpers.date_range("2022-03-01", "2030-03-31"))
    assert both == "Mar 1, 2022 – Mar 31, 2030"


def test_sector_names_in_the_pages_language(site):
    app = site["app"]
    assert _in(app, "ja", lambda: helpers.sector_name("22020")) == "電気通信"
    assert _in(app, "ja", lambda: helpers.category_name("220")) == "通信"
    assert _in(app, "en", lambda: helpers.sector_name("22020")) == "Telecommunications"
    assert _in(app, "en", lambda: helpers.category_name("220")) == "Communications"
    assert _in(app, "ja", lambda: helpers.sector_name("00000")) == "00000"


def _codes_given() -> set[str]:
    """Every error code the schemas and services write: `fail(message, code)`,
    `Problem(message, code)` and `{"code": …, "message": …}`."""
    codes = set()
    for path in [*(ROOT / "schemas").glob("*.py"), *(ROOT / "registry" / "services").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and len(node.args) >= 2:
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("fail", "Problem") and isinstance(node.args[1], ast.Constant):
                    codes.add(node.args[1].value)
            if isinstance(node, ast.Dict):
                pairs = {
                    k.value: v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                }
                if "message" in pairs and isinstance(pairs.get("code"), ast.Constant):
                    codes.add(pairs["code"].value)
    # marshmallow's own errors, as schemas/fields.py codes them.
    return codes | set(fields_module._CODES.values())


# Codes only the API meets (batch uploads, idempotency keys): told in general words.
API_ONLY = {"invalid_batch", "invalid_key", "key_reused", "not_allowed"}


def test_every_error_code_is_told_in_japanese(site):
    """Each code any schema or service gives has its own words on a page, in English and in
    Japanese; never the API's English message on a Japanese page."""
    codes = _codes_given()
    assert {"required", "invalid_choice", "too_long", "withdrawn_sector"} <= codes
    app = site["app"]
    finder = site["finder"]
    generic = _in(app, "ja", lambda: helpers.page_problem({"code": "zzz", "message": "x"}))
    for code in sorted(codes):
        problem = {"field": "status", "code": code, "message": "THE API'S MESSAGE."}
        ja = _in(app, "ja", lambda p=problem: helpers.page_problem(p))
        en = _in(app, "en", lambda p=problem: helpers.page_problem(p))
        assert JAPANESE.search(ja["message"]), (code, ja)
        assert not finder.english([ja["message"], ja["field"]]), (code, ja)
        assert en["message"] != problem["message"] or code in API_ONLY, (code, en)
        if code not in API_ONLY:
            assert ja["message"] != generic["message"], f"{code} has no words of its own"


def test_form_problems_take_limits_from_the_forms_schema(site):
    """A form's problem names its label and its own limits (the schema's fields)."""
    form = MultiDict({"note": "x" * 10_001, "status": "bogus"})
    fields = ReviewDecisionSchema().fields
    note, status = _in(
        site["app"],
        "ja",
        lambda: helpers.page_problems(
            [
                {"field": "note", "code": "too_long", "message": "…"},
                {"field": "status", "code": "invalid_choice", "message": "…"},
            ],
            form,
            fields,
        ),
    )
    assert note["field"] == "理由" and "10000" in note["message"]
    assert status["message"].startswith("「bogus」") and "条件付き承認" in status["message"]


def test_error_pages_say_what_went_wrong_in_japanese(site):
    client = _client(site, "reviewer")
    html = client.get("/projects/999999", headers=JA).get_data(as_text=True)
    assert "ID 999999 の案件はありません。" in html
    html = client.get("/no-such-page", headers=JA).get_data(as_text=True)
    assert "このアドレスには何もありません" in html and "requested URL" not in html
    english = client.get("/projects/999999", headers={"Accept-Language": "en"})
    assert "There is no project with id 999999." in english.get_data(as_text=True)
    api = client.get("/api/v1/projects/999999", headers={**JA, "Accept": "application/json"})
    assert api.status_code in (401, 404) and "案件" not in api.get_data(as_text=True)
