"""The diplomats' pages through the test client: sign-in, safety headers, need-to-know,
languages, facets, the review form and the admin page."""

from __future__ import annotations

import io
import re

import pytest

from registry.access import access_of
from registry.app import create_app
from registry.services import accounts, background, projects
from tests.conftest import valid_project

PASSWORD = "correct-horse-battery"


def _user(role: str):
    return accounts.user_create(f"{role}@example.org", role, PASSWORD)


def _sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def as_role(client, app):
    def sign_in(role: str):
        _sign_in(client, _user(role))
        return client

    return sign_in


@pytest.fixture
def data(ministry):
    flagged = projects.project_create(
        valid_project(
            identifier="JP-1",
            title="Hai Phong 5G core",
            sectors=[{"code": "22020"}],
            technologies=[{"category": "5g_core", "vendor": "HUAWEI TECHNOLOGIES CO., LTD"}],
        ),
        ministry,
    )
    plain = projects.project_create(
        valid_project(
            identifier="JP-2",
            title="Nairobi water mains",
            recipient_countries=[{"code": "KE"}],
            sectors=[{"code": "14020"}],
            locations=[],
            maritime_activities=[],
            technologies=[],
            participants=[{"name": "Rift Valley Pipes", "role": "contractor"}],
        ),
        ministry,
    )
    script = projects.project_create(
        valid_project(
            identifier="JP-3",
            title="<script>alert(1)</script> Harbour Lighting",
            description='<img src=x onerror="alert(2)">',
        ),
        ministry,
    )
    return {"flagged": flagged.id, "plain": plain.id, "script": script.id}


# ---- sign-in


def test_every_page_needs_sign_in_except_login_and_healthz(app, client):
    open_pages = set()
    for rule in app.url_map.iter_rules():
        access = access_of(app, rule.endpoint)
        assert access is not None, rule.rule
        if access["public"]:
            open_pages.add(rule.rule)
        elif not rule.rule.startswith("/api/") and "GET" in rule.methods:
            url = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule).replace("<path:filename>", "x")
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login?next="), url
    assert open_pages == {
        "/login",
        "/healthz",
        "/readyz",
        "/favicon.ico",
        "/static/<path:filename>",
        "/api/docs",
        "/api/docs/assets/<path:filename>",
        "/api/v1/openapi.json",
    }


def test_login_flow_and_safe_next(app, client):
    _user("diplomat")
    token = _csrf(client, "/login")
    for target, landed in [
        ("/countries", "/countries"),
        ("https://evil.example/x", "/projects"),
        ("//evil.example", "/projects"),
        ("/\\evil.example", "/projects"),
    ]:
        client.post("/logout", data={"csrf_token": token})
        response = client.post(
            f"/login?next={target}",
            data={
                "csrf_token": _csrf(client, "/login"),
                "email": "diplomat@example.org",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302 and response.headers["Location"] == landed, target
        token = _csrf(client, "/projects")


def test_login_requires_csrf_token(client, app):
    _user("diplomat")
    response = client.post("/login", data={"email": "diplomat@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_wrong_password_and_throttling(client, app):
    _user("diplomat")
    statuses = []
    for _ in range(6):
        response = client.post(
            "/login",
            data={
                "csrf_token": _csrf(client, "/login"),
                "email": "diplomat@example.org",
                "password": "nope",
            },
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    assert "Wrong email or password." in client.post(
        "/login",
        data={
            "csrf_token": _csrf(client, "/login"),
            "email": "other@example.org",
            "password": "x",
        },
    ).get_data(as_text=True)


def test_logout_needs_post_with_csrf(as_role):
    client = as_role("diplomat")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = client.post("/logout", data={"csrf_token": _csrf(client, "/projects")})
    assert response.status_code == 302
    assert client.get("/projects").status_code == 302


# ---- safety


def test_security_headers_and_no_store(as_role, client):
    signed_out = client.get("/login")
    csp = signed_out.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert signed_out.headers["X-Content-Type-Options"] == "nosniff"
    assert signed_out.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" not in signed_out.headers.get("Cache-Control", "")
    page = as_role("diplomat").get("/projects")
    assert page.headers["Cache-Control"] == "no-store"
    cookie = page.headers.get("Set-Cookie", "") or client.get("/projects").headers.get(
        "Set-Cookie", ""
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_secure_in_production(database_url):
    app = create_app({"ENV_NAME": "production", "DATABASE_URL": database_url, "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    from registry.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_user_text_is_escaped(as_role, data):
    html = as_role("diplomat").get(f"/projects/{data['script']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Harbour Lighting" in html
    assert "<img src=x onerror" not in html


# ---- need-to-know on the pages


def test_need_to_know_on_pages(as_role, client, data):
    url = f"/projects/{data['flagged']}"
    for role in ("diplomat", "planner"):
        html = as_role(role).get(url).get_data(as_text=True)
        assert "HIGH_RISK_VENDOR" in html and "Supply-chain security" in html
        assert "matches Huawei" not in html and 'class="rationale"' not in html
    html = as_role("reviewer").get(url).get_data(as_text=True)
    assert "matches Huawei" in html and "Federal Communications Commission" in html
    assert 'class="decision"' in html  # the decision form
    admin = as_role("admin").get(url).get_data(as_text=True)
    assert "matches Huawei" in admin and 'class="decision"' not in admin


def test_diplomats_cannot_open_review_or_admin_pages(as_role):
    client = as_role("diplomat")
    assert client.get("/reviews").status_code == 403
    assert client.get("/admin/vendors").status_code == 403


# ---- list, facets, languages


def test_list_search_facets_and_chips(as_role, data):
    client = as_role("diplomat")
    html = client.get("/projects?country=KE&status=implementation").get_data(as_text=True)
    assert "Nairobi water mains" in html and "Hai Phong 5G core" not in html
    assert html.count('class="chip"') == 2
    assert "/exports/projects.csv?country=KE&amp;status=implementation" in html
    facets = client.get("/projects").get_data(as_text=True)
    assert re.search(
        r'data-facet="country" data-value="VN">\s*\S+ Vietnam\s*<span class="count">2</span>',
        facets,
    )
    assert 'data-facet="flag" data-value="HIGH_RISK_VENDOR"' in facets
    bad = client.get("/projects?country=XX")
    assert bad.status_code == 422 and "is not an ISO 3166-1 country code" in bad.get_data(
        as_text=True
    )


def test_language_switch_is_remembered(as_role, data):
    client = as_role("diplomat")
    html = client.get("/projects?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in html and "ベトナム" in html
    again = client.get("/countries/VN").get_data(as_text=True)
    assert '<html lang="ja">' in again and "ベトナム" in again
    assert '<html lang="en">' in client.get("/projects?lang=en").get_data(as_text=True)


def test_country_page_chart_and_flagged_first(as_role, data):
    client = as_role("diplomat")
    html = client.get("/countries/VN").get_data(as_text=True)
    assert html.count("<rect ") == 2  # two sector categories among VN's projects
    assert "Socialist Republic of Viet Nam" in html
    committed = re.search(r"Committed, by currency</h2>\s*<ul class=\"plain\">(.*?)</ul>", html)
    assert committed and re.search(r"<li>\S*[\d,]+\.\d\d</li>", committed.group(1))
    first_title = re.findall(r'<h3><a href="/projects/\d+">([^<]+)</a>', html)[0]
    assert first_title == "Hai Phong 5G core"
    assert client.get("/countries/ZZ").status_code == 404


# ---- reviewers and admins


def test_reviewer_records_a_decision_through_the_form(as_role, data):
    client = as_role("reviewer")
    queue = client.get("/reviews").get_data(as_text=True)
    assert "Hai Phong 5G core" in queue
    url = f"/projects/{data['flagged']}"
    response = client.post(
        f"{url}/review",
        data={"csrf_token": _csrf(client, url), "status": "objection", "note": "Core vendor."},
    )
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Decision recorded." in html and "Core vendor." in html
    assert "Hai Phong 5G core" not in client.get("/reviews").get_data(as_text=True)


def test_admin_adds_vendor_and_reruns(as_role, data):
    client = as_role("admin")
    response = client.post(
        "/admin/vendors",
        data={
            "csrf_token": _csrf(client, "/admin/vendors"),
            "name": "Rift Valley Pipes",
            "aliases": "RVP Pipes",
            "country": "KE",
            "categories": ["other"],
            "source": "Ministry decision of 2026-11-24",
        },
    )
    assert response.status_code == 302
    # Adding a vendor re-screens in the background; the page shows the run's result.
    added = background.latest("screening_rerun")
    assert background.wait(added["id"], timeout=60)["status"] == "done"
    assert "3 projects screened, 1 changed" in client.get("/admin/vendors").get_data(as_text=True)
    page = client.get(f"/projects/{data['plain']}").get_data(as_text=True)
    assert "HIGH_RISK_VENDOR" in page
    # The admin's own re-run: handed off at once, its page follows it to the end.
    response = client.post(
        "/admin/screening/rerun", data={"csrf_token": _csrf(client, "/admin/vendors")}
    )
    assert response.status_code in (302, 303)
    run_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert run_id != added["id"]
    assert background.wait(run_id, timeout=60)["status"] == "done"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 projects screened, 0 changed" in html


def test_healthz(client):
    response = client.get("/healthz")
    assert response.get_json() == {"status": "ok"}  # liveness only; /readyz asks the database


# ---- favicon, header and print/phone styles


FAVICON_LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_favicon_ico_leads_to_the_icon(client):
    """Browsers ask /favicon.ico on pages without an icon link: no 404 in their console."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")


def test_every_page_links_the_favicon_and_it_is_served_without_sign_in(as_role, client):
    assert FAVICON_LINK in client.get("/login").get_data(as_text=True)
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    signed_in = as_role("diplomat")
    for url in ("/projects", "/countries", "/exports", "/no-such-page"):
        assert FAVICON_LINK in signed_in.get(url).get_data(as_text=True), url


@pytest.mark.parametrize(("lang", "docs"), [("en", ">API docs<"), ("ja", ">API文書<")])
def test_header_has_a_short_brand_for_phones_and_links_the_api_docs(as_role, lang, docs):
    page = as_role("admin").get(f"/projects?lang={lang}").get_data(as_text=True)
    header = page[page.index('<header class="top">') : page.index("</header>")]
    assert 'href="/api/docs"' in header and docs in header
    assert 'class="brand-long"' in header and 'class="brand-short"' in header


def test_stylesheet_has_print_and_phone_rules(client):
    with client.get("/static/style.css") as response:
        css = response.get_data(as_text=True)
    print_rules = css[css.index("@media print") :]
    hidden = re.search(r"\n  (header\.top,[^{]*)\{ display: none !important; \}", print_rules)
    assert hidden and ".skip" in hidden.group(1) and "nav" in hidden.group(1), print_rules[:600]
    assert ".sev-critical" in print_rules and "border: 3px solid #000" in print_rules
    assert "table.stack td[data-label]::before" in css
    assert re.search(r"\.chip \{[^}]*max-width: 100%[^}]*text-overflow: ellipsis", css)


def test_nul_in_sign_in_is_a_wrong_password_not_an_error(client, app):
    _user("diplomat")
    response = client.post(
        "/login",
        data={
            "csrf_token": _csrf(client, "/login"),
            "email": "diplomat@example.org\x00",
            "password": "x",
        },
    )
    assert response.status_code == 400
    assert "Wrong email or password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "reviews", "vendors"),
    [
        ("diplomat", False, False),
        ("planner", False, False),
        ("reviewer", True, False),
        ("admin", True, True),
    ],
)
def test_navigation_offers_what_the_permissions_allow(as_role, role, reviews, vendors):
    page = as_role(role).get("/projects").get_data(as_text=True)
    assert ('href="/reviews"' in page) is reviews
    assert ('href="/admin/vendors"' in page) is vendors


# ---- problems with a page's request, in words


def test_filter_problems_name_the_field_by_its_label_and_say_what_to_do(as_role, data):
    client = as_role("diplomat")
    bad = client.get("/projects?status=bogus&limit=0&lang=en")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert (
        "<strong>Status</strong>: “bogus” is not one of the choices. Choose from: "
        "Pipeline/identification, Implementation, Finalisation, Closed, Cancelled, or Suspended."
    ) in html
    assert "<strong>Projects per page</strong>: “0” is not a whole number from 1 to 200." in html
    assert "status[0]" not in html and "Unknown field" not in html
    japanese = client.get("/projects?status=bogus&lang=ja").get_data(as_text=True)
    assert (
        "<strong>状況</strong>: 「bogus」は選択肢にありません。次から選んでください：計画中、実施中"
        in (japanese)
    )
    assert "解釈できない絞り込み条件があります" in japanese and "status[0]" not in japanese
    # The CSV download refuses the same filter in the same words, on the error page.
    csv = client.get("/exports/projects.csv?status=bogus&lang=en")
    assert csv.status_code == 422 and "status[0]" not in csv.get_data(as_text=True)
    assert "Status: “bogus” is not one of the choices." in csv.get_data(as_text=True)
    # The API keeps its precise form.
    assert "is not an ISO 3166-1 country code" in client.get("/projects?country=XX").get_data(
        as_text=True
    )


def test_api_problems_keep_their_precise_form(jp):
    response = jp.get("/api/v1/projects?status=bogus&page=2")
    errors = {e["field"]: e for e in response.get_json()["errors"]}
    assert response.status_code == 422 and set(errors) == {"status[0]", "page"}
    assert errors["status[0]"]["code"] == "invalid_choice"
    assert errors["status[0]"]["message"].startswith("'bogus' is not allowed; must be one of:")
    assert errors["page"]["code"] == "unknown_field"


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "This page has no setting called page, so it was left out."),
        ("ja", "このページには page という設定がないため、無視しました。"),
    ],
)
def test_unknown_parameters_on_pages_are_left_out_and_said_so(as_role, data, lang, said):
    client = as_role("planner")
    page = client.get(f"/projects?page=2&lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and said in html
    assert "Unknown field" not in html and "Nairobi water mains" in html
    exports = client.get(f"/exports?page=2&explode=country&lang={lang}")
    assert exports.status_code == 200 and said in exports.get_data(as_text=True)
    assert client.get("/exports/projects.csv?page=2").status_code == 200
    assert said not in client.get(f"/projects?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "<p>One setting needs changing:</p>",
                "<strong>Group by</strong>: Choose at least one, each once.",
                "Go back, change what is listed and try again.",
            ],
        ),
        (
            "ja",
            [
                "<p>1 件の設定を直してください：</p>",
                "<strong>集計区分</strong>: 1つ以上を、それぞれ1回ずつ選んでください。",
                "前の画面に戻り、上に挙げた項目を直してから、もう一度お試しください。",
            ],
        ),
    ],
)
def test_summary_form_errors_name_the_field_and_say_what_to_do(as_role, data, lang, expected):
    client = as_role("planner")
    token = _csrf(client, f"/exports?lang={lang}")
    response = client.post("/exports/summary.csv", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in expected:
        assert text in html
    assert "invalid field" not in html and "group_by" not in html.split("<main")[-1]


def test_summary_form_names_each_field_of_a_rates_table(as_role, data):
    client = as_role("planner")
    token = _csrf(client, "/exports?lang=en")
    response = client.post(
        "/exports/summary.csv",
        data={
            "csrf_token": token,
            "group_by": "country",
            "convert_to": "EUR",
            "rates": (io.BytesIO(b"currency,units_per_usd\nEUR,-1\nEURO,1.1\n"), "rates.csv"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<p>2 settings need changing:</p>" in html
    assert (
        "<strong>Your own rates table, line 2</strong>: The rate (units_per_usd) must be a "
        "number above zero."
    ) in html
    assert (
        "<strong>Your own rates table, line 3</strong>: The currency is not an ISO 4217 code "
        "such as USD or JPY."
    ) in html
    unknown = client.post(
        "/exports/summary.csv",
        data={"csrf_token": token, "group_by": "country", "convert_to": "XYZ"},
    ).get_data(as_text=True)
    assert "<strong>Also convert into</strong>: There is no exchange rate for this currency." in (
        unknown
    )
