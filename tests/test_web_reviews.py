"""The reviewer's desk through the test client: the project page's flags and decision form,
the review queue's sorting, filters and pages (and its refusals, in words), and the flag
legend, in English and Japanese."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from registry.services import accounts, projects, reviews
from registry.services.actors import Actor
from tests.conftest import valid_project

PASSWORD = "correct-horse-battery"


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
def queue(ministry):
    """Three pending projects, created oldest first: a critical one in Viet Nam, a medium one
    in Kenya, a high one in the Philippines; and one with nothing to review."""
    critical = projects.project_create(
        valid_project(
            identifier="Q-1",
            title="Hai Phong 5G core",
            sectors=[{"code": "22020"}],
            technologies=[{"category": "5g_core", "vendor": "HUAWEI TECHNOLOGIES CO., LTD"}],
        ),
        ministry,
    )
    medium = projects.project_create(
        valid_project(
            identifier="Q-2",
            title="Nairobi chip testing lab",
            recipient_countries=[{"code": "KE"}],
            sectors=[{"code": "25010"}],
            locations=[],
            maritime_activities=[],
            technologies=[{"category": "semiconductor", "vendor": "Sakura Chips"}],
        ),
        ministry,
    )
    high = projects.project_create(
        valid_project(
            identifier="Q-3",
            title="Luzon cable landing",
            recipient_countries=[{"code": "PH"}],
            sectors=[{"code": "25010"}],
            locations=[],
            technologies=[{"category": "undersea_cable", "vendor": "Sakura Cables"}],
            maritime_activities=["undersea_cable_laying"],
        ),
        ministry,
    )
    plain = projects.project_create(
        valid_project(
            identifier="Q-4",
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
    return {"critical": critical, "medium": medium, "high": high, "plain": plain}


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/projects/\d+">([^<]+)</a></h2>', page)


# ---- the queue


def test_queue_defaults_to_the_most_serious_first_with_one_reason_each(client, queue):
    page = _sign_in(client, "reviewer").get("/reviews").get_data(as_text=True)
    assert _titles(page) == ["Hai Phong 5G core", "Luzon cable landing", "Nairobi chip testing lab"]
    assert "Nairobi water mains" not in page
    assert "1–3 of 3 projects waiting" in page
    items = re.findall(r'<li class="queue-item sev-(\w+)">(.*?)</li>\n', page, re.S)
    assert [severity for severity, _body in items] == ["critical", "high", "medium"]
    for _severity, body in items:  # the worst flag's reason, on one line of its own
        reason = re.search(r'<p class="queue-reason" title="[^"]+">(.*?)</p>', body, re.S)
        assert reason and "\n" not in reason.group(1).strip() and len(reason.group(1)) > 20
    assert 'data-severity="critical">' in page and ">Critical</span>" in page
    assert 'href="/flags"' in page


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("sort=oldest", ["Hai Phong 5G core", "Nairobi chip testing lab", "Luzon cable landing"]),
        ("sort=newest", ["Luzon cable landing", "Nairobi chip testing lab", "Hai Phong 5G core"]),
        ("sort=country", ["Nairobi chip testing lab", "Luzon cable landing", "Hai Phong 5G core"]),
        ("severity=medium", ["Nairobi chip testing lab"]),
        ("severity=critical&severity=medium", ["Hai Phong 5G core", "Nairobi chip testing lab"]),
        ("flag=UNDERSEA_CABLE", ["Luzon cable landing"]),
        ("country=KE", ["Nairobi chip testing lab"]),
        ("country=VNM&sort=newest", ["Hai Phong 5G core"]),
        ("flag=SURVEILLANCE", []),
    ],
)
def test_queue_sorts_and_filters(client, queue, query, titles):
    response = _sign_in(client, "reviewer").get(f"/reviews?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _titles(page) == titles
    if not titles:
        assert "Nothing is waiting for review with these settings." in page


def test_queue_form_keeps_the_choices_and_counts(client, queue):
    page = (
        _sign_in(client, "admin").get("/reviews?severity=high&sort=oldest").get_data(as_text=True)
    )
    assert '<option value="oldest" selected>' in page
    assert '<option value="high" selected>High (1)</option>' in page  # the cable
    assert '<option value="KE">Kenya (1)</option>' in page
    assert "UNDERSEA_CABLE" in page and "SURVEILLANCE" not in page  # flags the queue holds


def test_queue_pages(client, queue):
    client = _sign_in(client, "reviewer")
    first = client.get("/reviews?limit=2").get_data(as_text=True)
    assert _titles(first) == ["Hai Phong 5G core", "Luzon cable landing"]
    assert "1–2 of 3 projects waiting" in first and "Page 1 of 2" in first
    next_link = html_lib.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert next_link == "/reviews?limit=2&page=2" and 'rel="prev"' not in first
    bad = client.get("/reviews?limit=2&sort=loudest").get_data(as_text=True)
    assert "loudest" not in re.search(r'href="([^"]+)" rel="next"', bad).group(1)
    second = client.get("/reviews?limit=2&page=2").get_data(as_text=True)
    assert _titles(second) == ["Nairobi chip testing lab"]
    assert "3–3 of 3 projects waiting" in second and 'rel="prev"' in second
    assert 'rel="next"' not in second


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("sort=loudest", "Sort by", "“loudest” is not an order of the queue"),
        ("severity=dire", "Severity", "“dire” is not one of the choices"),
        ("flag=NOPE", "Security flag", "“NOPE” is not one of the choices"),
        ("country=Narnia", "Country", "“Narnia” is not an ISO 3166-1 country code"),
        ("page=99", "Page", "“99” is not a page of this queue. Choose a page from 1 to 1."),
        ("page=two", "Page", "“two” is not a page of this queue"),
        ("page=0", "Page", "“0” is not a page of this queue"),
        ("limit=100000", "Projects per page", "“100000” is not a whole number from 1 to 200"),
    ],
)
def test_queue_refuses_bad_settings_in_words_and_still_works(client, queue, query, field, words):
    response = _sign_in(client, "reviewer").get(f"/reviews?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    problems = re.search(r'<ul class="problems">(.*?)</ul>', page, re.S).group(1)
    assert f"<strong>{field}</strong>" in problems and html_lib.escape(words) in problems
    assert len(_titles(page)) == 3  # the queue is still there, without the bad setting


def test_queue_keeps_good_filters_beside_a_bad_one(client, queue):
    client = _sign_in(client, "reviewer")
    page = client.get("/reviews?country=KE&sort=loudest").get_data(as_text=True)
    assert _titles(page) == ["Nairobi chip testing lab"]
    page = client.get("/reviews?severity=high&severity=dire").get_data(as_text=True)
    assert "“dire” is not one of the choices" in page and len(_titles(page)) == 3
    page = client.get("/reviews?sort=loudest&page=7&limit=2").get_data(as_text=True)
    assert "“loudest” is not an order" in page and "“7” is not a page of this queue" in page
    assert "Choose a page from 1 to 2." in page and len(_titles(page)) == 2


def test_queue_names_settings_it_does_not_have(client, queue):
    page = _sign_in(client, "reviewer").get("/reviews?colour=blue").get_data(as_text=True)
    assert "This page has no setting called colour" in page and len(_titles(page)) == 3


def test_queue_in_japanese(client, queue):
    client = _sign_in(client, "reviewer")
    page = client.get("/reviews?lang=ja&sort=loudest").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "審査待ちの案件" in page or "件" in page
    assert ">重大</span>" in page and "ケニア" in page
    problems = re.search(r'<ul class="problems">(.*?)</ul>', page, re.S).group(1)
    assert "loudest" in problems and "is not" not in problems
    assert "Sort by" not in problems
    for english in ("Most serious flag first", "Any severity", "projects waiting", "waiting "):
        assert english not in page, english


def test_queue_is_for_reviewers_and_admins(client, queue):
    assert _sign_in(client, "diplomat").get("/reviews").status_code == 403


def test_queue_service_pages_and_refuses_a_page_past_the_last(app, queue):
    admin = Actor(label="admin", role="admin")
    page = reviews.review_queue_page(admin, {"limit": "2", "page": "2", "sort": "oldest"})
    assert [p.identifier for p in page.items] == ["Q-3"] and (page.total, page.pages) == (3, 2)
    assert (page.first, page.last) == (3, 3)
    assert page.by_severity["critical"] == 1 and page.by_country == {"VN": 1, "KE": 1, "PH": 1}
    with pytest.raises(reviews.ValidationFailed) as error:
        reviews.review_queue_page(admin, {"page": "3"})
    assert error.value.errors[0]["field"] == "page"


# ---- the desk


def _flag_blocks(page: str) -> list[str]:
    return re.findall(r'<li class="flag-block sev-\w+">(.*?)</li>', page, re.S)


def test_desk_explains_every_flag_worst_first(client, queue):
    client = _sign_in(client, "reviewer")
    project = queue["critical"]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    flags = project.screening.flags
    blocks = _flag_blocks(page)
    assert len(blocks) == len(flags) >= 3
    severities = re.findall(r'<li class="flag-block sev-(\w+)">', page)
    ranks = [reviews.SEVERITY_RANK[s] for s in severities]
    assert ranks == sorted(ranks, reverse=True)
    for flag in flags:
        block = next(b for b in blocks if f'<code class="flag-code">{flag.code}</code>' in b)
        assert html_lib.escape(flag.rationale) in block or "flag-why" in block
        source = re.search(r'<dd class="flag-source">([^<]+)</dd>', block)
        assert source and len(source.group(1).strip()) > 10  # the list and its source
        if flag.code == "HIGH_RISK_VENDOR":
            assert "Federal Communications Commission" in source.group(1)
        assert f'data-severity="{flag.severity}"' in block
        assert f'href="/flags#{flag.code}"' in block
    assert "<table>" not in page.split('class="card security desk"')[1].split("</section>")[0]


def test_desk_for_diplomats_says_what_each_flag_means(client, queue):
    page = (
        _sign_in(client, "diplomat").get(f"/projects/{queue['critical'].id}").get_data(as_text=True)
    )
    blocks = _flag_blocks(page)
    assert blocks and all('<p class="flag-why flag-meaning">' in b for b in blocks)
    assert "vendors-of-concern" in page or "vendor" in page.lower()
    assert "<form" not in page.split('class="card security desk"')[1].split("</section>")[0]
    desk = page.split('class="card security desk"')[1].split("</section>")[0]
    assert "HUAWEI" not in desk  # no rationale for diplomats


def test_decision_form_starts_empty_and_requires_a_choice(client, queue):
    client = _sign_in(client, "reviewer")
    url = f"/projects/{queue['critical'].id}"
    page = client.get(url).get_data(as_text=True)
    select = re.search(
        r'<select id="status" name="status" required[^>]*>(.*?)</select>', page, re.S
    )
    assert select, "the decision select is required in HTML"
    options = re.findall(r"<option[^>]*>", select.group(1))
    assert options[0] == '<option value="" selected>' and "Choose a decision…" in select.group(1)
    assert sum("selected" in o for o in options) == 1
    response = client.post(
        f"{url}/review", data={"csrf_token": _csrf(client, url), "status": "", "note": "Why."}
    )
    assert response.status_code == 422
    refused = response.get_data(as_text=True)
    assert (
        '<span class="field-error" id="status-error">Choose a decision from the list.</span>'
        in (refused)
    )
    assert ">Why.</textarea>" in refused  # what was written is kept
    assert "No decision yet." in refused
    missing = client.post(f"{url}/review", data={"csrf_token": _csrf(client, url), "note": "x"})
    assert missing.status_code == 422 and "Choose a decision from the list." in missing.get_data(
        as_text=True
    )
    no_note = client.post(
        f"{url}/review", data={"csrf_token": _csrf(client, url), "status": "objection"}
    )
    body = no_note.get_data(as_text=True)
    assert no_note.status_code == 422 and "Write the reasons for your decision." in body
    assert '<option value="objection" selected>' in body
    recorded = client.post(
        f"{url}/review",
        data={"csrf_token": _csrf(client, url), "status": "objection", "note": "Core vendor."},
    )
    assert recorded.status_code == 302
    assert "Decision recorded." in client.get(url).get_data(as_text=True)


def test_decision_form_in_japanese(client, queue):
    client = _sign_in(client, "reviewer")
    url = f"/projects/{queue['critical'].id}"
    page = client.get(f"{url}?lang=ja").get_data(as_text=True)
    assert "Choose a decision" not in page and "What the flags mean" not in page
    assert ">重大</span>" in page
    response = client.post(
        f"{url}/review", data={"csrf_token": _csrf(client, url), "status": "", "note": ""}
    )
    refused = response.get_data(as_text=True)
    errors = re.findall(r'<span class="field-error" id="\w+-error">([^<]+)</span>', refused)
    assert len(errors) == 2 and all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", e) for e in errors)


def test_no_form_where_nothing_is_to_be_reviewed(client, queue):
    client = _sign_in(client, "reviewer")
    url = f"/projects/{queue['plain'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "nothing to review" in page and 'name="status"' not in page
    sent = client.post(
        f"{url}/review",
        data={"csrf_token": _csrf(client, url), "status": "cleared", "note": "Fine."},
    )
    assert sent.status_code == 422 and "nothing to review" in sent.get_data(as_text=True)
    japanese = client.post(
        f"{url}/review?lang=ja",
        data={"csrf_token": _csrf(client, url), "status": "cleared", "note": "Fine."},
    ).get_data(as_text=True)
    assert "審査の対象ではありません" in japanese


# ---- the legend


def test_legend_explains_every_flag_for_every_role(client, queue):
    from registry.services import screening

    rules = screening.active_ruleset().describe()["rules"]
    for role in ("diplomat", "planner"):
        page = _sign_in(client, role).get("/flags").get_data(as_text=True)
        for rule in rules:
            block = re.search(
                rf'<li class="flag-block sev-\w+" id="{rule["code"]}">(.*?)</li>', page, re.S
            )
            assert block, rule["code"]
            assert "What it means" in block.group(1) and "Pillar" in block.group(1)
        client.post("/logout", data={"csrf_token": _csrf(client, "/flags")})


def test_legend_in_japanese(client, queue):
    page = _sign_in(client, "diplomat").get("/flags?lang=ja").get_data(as_text=True)
    assert "高リスク事業者" in page and "サプライチェーンの安全確保" in page
    assert "What it means" not in page


def test_desk_in_japanese_says_every_reason_in_japanese(client, queue):
    client = _sign_in(client, "reviewer")
    page = client.get(f"/projects/{queue['critical'].id}?lang=ja").get_data(as_text=True)
    reasons = re.findall(r'<p class="flag-why">([^<]+)</p>', page)
    assert len(reasons) == len(queue["critical"].screening.flags)
    for reason in reasons:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", reason), reason
        assert "matches" not in reason and "[0]" not in reason, reason
    for english in ("What this flag means", "List and source", "Rules version", "Pillar"):
        assert english not in page, english
    assert "リストと出典" in page and "ルールの版" in page


def test_information_flags_are_folded_away_on_the_desk(client, queue):
    url = f"/projects/{queue['critical'].id}"
    page = _sign_in(client, "reviewer").get(url).get_data(as_text=True)
    folded = re.search(r'<details class="flag-information">(.*?)</details>\s*</div>', page, re.S)
    assert folded and "1 flag for information only" in folded.group(1)
    assert "CRITICAL_INFRASTRUCTURE" in folded.group(1)
    assert "CRITICAL_INFRASTRUCTURE" not in page.split('<details class="flag-information">')[0]
