"""The registry in a real browser: search and facets, languages, review decisions,
need-to-know on pages, escaping, sign-in protection and the phone layout."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.e2e

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FLAG_CODE = re.compile(r"^[A-Z][A-Z_]+$")


def results_total(page) -> int:
    """The number in the results heading ("146 projects", "146 件", …)."""
    text = page.locator("#results-heading").text_content() or ""
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"no count in the results heading {text!r}"
    return int(digits)


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def facet_label(link) -> str:
    """A facet link's label without its count (the first text node)."""
    return link.evaluate("a => a.firstChild.textContent.trim()")


def test_diplomat_search_facets_project_and_languages(page, login, shot):
    login(page, "diplomat")
    assert urlsplit(page.url).path in ("/", "/projects")
    unfiltered = results_total(page)

    # Search box.
    page.fill("#q", "port")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert query_of(page)["q"] == ["port"]
    searched = results_total(page)
    assert 0 < searched < unfiltered
    shot(page, "1-search")

    # First facet: a status present in the results.
    status_link = page.locator("aside.facets a[data-facet=status]").first
    status_value = status_link.get_attribute("data-value")
    status_label = facet_label(status_link)
    with page.expect_navigation():
        status_link.click()
    after_status = results_total(page)

    # Second facet: a country present in the narrowed results.
    country_link = page.locator("aside.facets a[data-facet=country]").first
    country_value = country_link.get_attribute("data-value")
    country_label = facet_label(country_link).split(" ", 1)[-1]  # without the flag emoji
    with page.expect_navigation():
        country_link.click()
    filtered = results_total(page)
    shot(page, "2-facets")

    query = query_of(page)
    assert query["q"] == ["port"]
    assert query["status"] == [status_value]
    assert query["country"] == [country_value]
    chips = [
        (page.locator(".chips a.chip").nth(i).text_content() or "").strip()
        for i in range(page.locator(".chips a.chip").count())
    ]
    assert any(status_label in chip for chip in chips), chips
    assert any(country_label in chip for chip in chips), chips
    assert any("port" in chip for chip in chips), chips
    assert 0 < filtered <= after_status < searched

    # The first result.
    first = page.locator(".project-list h3 a").first
    title = (first.text_content() or "").strip()
    with page.expect_navigation():
        first.click()
    assert (page.locator("h1").text_content() or "").strip() == title
    security = page.locator("section.security")
    assert "Security screening" in (security.locator("h2").text_content() or "")
    codes = [(c or "").strip() for c in security.locator(".flag-code").all_text_contents()]
    assert codes and all(FLAG_CODE.match(c) for c in codes), codes
    # Diplomats read what each flag means, never why this project raised it.
    assert security.locator(".flag-why:not(.flag-meaning)").count() == 0
    assert security.locator(".flag-meaning").count() == len(codes)
    assert security.locator(".flag-source").count() == 0
    assert page.locator("form.decision").count() == 0
    shot(page, "3-project")

    # Japanese.
    with page.expect_navigation():
        page.click("a[hreflang=ja]")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert (page.locator("h1").text_content() or "").strip() == title  # titles stay as given
    recipients = page.locator("dl a[href^='/countries/']").all_text_contents()
    assert recipients and all(JAPANESE.search(r) for r in recipients), recipients
    shot(page, "4-project-ja")

    # A country page, still in Japanese (the session remembers the choice).
    page.goto("/countries/VN")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "ベトナム" in (page.locator("h1").text_content() or "")
    bars = page.locator("figure.committed svg rect")
    assert bars.count() >= 1
    assert float((bars.first.get_attribute("width") or "0").rstrip("%")) > 0
    shot(page, "5-country-ja")

    with page.expect_navigation():
        page.click("a[hreflang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    h1 = page.locator("h1").text_content() or ""
    assert "Viet" in h1 and not JAPANESE.search(h1), h1
    shot(page, "6-country-en")


def test_reviewer_records_a_decision(page, login, shot):
    login(page, "reviewer")
    page.goto("/reviews")
    queued = page.locator("ol.queue li h2 a")
    assert queued.count() >= 1, "the demo data should leave projects waiting for review"
    title = (queued.first.text_content() or "").strip()
    shot(page, "1-queue")
    with page.expect_navigation():
        queued.first.click()
    assert (page.locator("h1").text_content() or "").strip() == title
    rationale = page.locator("section.desk .flag-why")
    assert rationale.count() >= 1
    assert rationale.first.is_visible()
    assert (rationale.first.text_content() or "").strip()
    assert (page.locator("strong.review-status").text_content() or "").strip() == "Pending"

    note = f"Checked the vendor list and the contract (e2e {time.time_ns()})."
    page.select_option("select#status", "cleared")
    page.fill("textarea#note", note)
    shot(page, "2-form")
    with page.expect_navigation():
        page.click("form.decision button[type=submit]")
    shot(page, "3-recorded")

    assert "Decision recorded." in page.locator(".messages").all_text_contents()[0]
    decisions = page.locator("ol.decisions")
    assert note in (decisions.text_content() or "")
    assert "Cleared" in (decisions.locator("li").last.text_content() or "")
    assert (page.locator("strong.review-status").text_content() or "").strip() == "Cleared"

    # Decided projects leave the queue.
    page.goto("/reviews")
    assert title not in page.locator("ol.queue").all_text_contents()[0]


def test_titles_are_escaped_not_run(page, login, shot):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, "diplomat")
    page.fill("#q", "Harbour Lighting")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    link = page.locator(".project-list h3 a", has_text="Harbour Lighting Upgrade")
    assert link.count() == 1
    assert "<script>alert(1)</script>" in (link.text_content() or "")
    shot(page, "1-results")
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")
    shot(page, "2-project")

    assert "<script>alert(1)</script>" in (page.locator("h1").text_content() or "")
    assert page.locator("main script").count() == 0
    assert "<b>" in (page.locator("p.description").text_content() or "")
    assert page.locator("p.description b").count() == 0
    assert "<script>alert(1)</script>" in page.title()
    assert dialogs == []


def test_security_detail_follows_the_role(new_page, login, shot):
    # Planner: badges on the list, no rationale on a flagged project.
    planner = new_page()
    login(planner, "planner")
    planner.goto("/projects?flag=HIGH_RISK_VENDOR")
    assert results_total(planner) >= 1
    badges = planner.locator(".project-list ul.badges li")
    assert badges.count() >= 1 and badges.first.is_visible()
    assert "High-risk vendor" in " ".join(badges.all_text_contents())
    first = planner.locator(".project-list h3 a").first
    href = first.get_attribute("href")
    shot(planner, "1-planner-list")
    with planner.expect_navigation():
        first.click()
    codes = planner.locator("section.security .flag-code").all_text_contents()
    assert "HIGH_RISK_VENDOR" in [(c or "").strip() for c in codes]
    assert planner.locator(".flag-why:not(.flag-meaning)").count() == 0
    assert planner.locator("form.decision").count() == 0
    shot(planner, "2-planner-project")
    response = planner.goto("/reviews")
    assert response.status == 403

    # Admin: the rationale on the same project, and the vendors page.
    admin = new_page()
    login(admin, "admin")
    admin.goto(href)
    rationale = admin.locator("section.desk .flag-why:not(.flag-meaning)")
    assert rationale.count() >= 1 and rationale.first.is_visible()
    assert (rationale.first.text_content() or "").strip()
    shot(admin, "3-admin-project")
    response = admin.goto("/admin/vendors")
    assert response.status == 200
    assert (admin.locator("h1").text_content() or "").strip() == "Vendors of concern"
    assert admin.locator("section.card table tbody tr").count() >= 1
    shot(admin, "4-admin-vendors")

    # Diplomat: no review queue, no admin pages.
    diplomat = new_page()
    login(diplomat, "diplomat")
    assert diplomat.locator("nav a[href='/reviews']").count() == 0
    for step, path in (
        ("5-diplomat-reviews", "/reviews"),
        ("6-diplomat-vendors", "/admin/vendors"),
    ):
        response = diplomat.goto(path)
        assert response.status == 403, path
        assert "403" in (diplomat.locator("h1").text_content() or ""), path
        assert diplomat.locator("td.rationale").count() == 0
        shot(diplomat, step)


def test_sign_in_is_required_and_returns_to_the_page(new_page, login, shot):
    page = new_page()
    page.goto("/projects")
    assert urlsplit(page.url).path == "/login"
    assert query_of(page).get("next") == ["/projects"]
    assert page.locator(".project-list").count() == 0
    shot(page, "1-redirected")

    login(page, "diplomat")  # fills the form on this /login?next=/projects page
    assert urlsplit(page.url).path == "/projects"
    assert results_total(page) > 0
    shot(page, "2-returned")

    wrong = new_page()  # a separate browser context: signed out
    wrong.goto("/login")
    wrong.fill("#email", "diplomat@e2e.example.org")
    wrong.fill("#password", "not-the-right-password")
    with wrong.expect_navigation():
        wrong.click("main form button[type=submit]")
    assert urlsplit(wrong.url).path == "/login"
    assert "Wrong email or password." in " ".join(wrong.locator(".messages li").all_text_contents())
    assert wrong.locator(".who").count() == 0
    shot(wrong, "3-wrong-password")
    wrong.goto("/projects")
    assert urlsplit(wrong.url).path == "/login"


def test_projects_fit_a_phone(new_page, login, shot):
    page = new_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    login(page, "planner")
    page.goto("/projects")
    assert results_total(page) > 0
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    shot(page, "1-projects")
    assert fits, f"horizontal scroll on a phone: scrollWidth, innerWidth = {widths}"
    assert page.locator(".project-list h3 a").first.is_visible()
