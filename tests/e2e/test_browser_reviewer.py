"""The reviewer's desk in a real browser: every flag's reason readable without scrolling
sideways (1280 and 390 px, English and Japanese), the queue sorted by severity, a decision
that must be chosen before it is recorded, and flags that stay legible in print."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.e2e

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
RANK = {"critical": 4, "high": 3, "medium": 2, "info": 1}
WIDTHS = (1280, 390)
SIDEWAYS = "document.scrollingElement.scrollWidth - window.innerWidth"


def _reviewer(new_page, login, width: int, language: str):
    page = new_page(
        viewport={"width": width, "height": 900}, locale="ja-JP" if language == "ja" else "en-GB"
    )
    login(page, "reviewer")
    page.goto(f"/reviews?lang={language}")
    return page


def _no_sideways_scroll(page, where: str) -> None:
    overflow = page.evaluate(SIDEWAYS)
    assert overflow <= 0, f"{where}: the page scrolls {overflow} px sideways"


def _queue_severities(page) -> list[str]:
    return page.locator("ol.queue > li.queue-item .queue-head .sev-badge").evaluate_all(
        "badges => badges.map(b => b.dataset.severity)"
    )


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("width", WIDTHS)
def test_reviewer_reads_every_flag_without_scrolling_sideways(
    new_page, login, shot, width, language
):
    page = _reviewer(new_page, login, width, language)
    _no_sideways_scroll(page, "the queue")
    reasons = page.locator("ol.queue .queue-reason")
    assert reasons.count() >= 10
    first_reason = reasons.first.text_content() or ""
    assert len(first_reason.strip()) > 20
    if language == "ja":
        assert JAPANESE.search(first_reason), first_reason
    shot(page, f"queue-{language}-{width}")

    # The most serious project first: read every one of its flags.
    with page.expect_navigation():
        page.locator("ol.queue > li h2 a").first.click()
    _no_sideways_scroll(page, "the project page")
    blocks = page.locator("section.desk .flag-block")
    page.locator("details.flag-information > summary").evaluate_all(
        "summaries => summaries.forEach(s => s.click())"
    )
    assert blocks.count() >= 2
    inner_width = page.evaluate("window.innerWidth")
    for i in range(blocks.count()):
        block = blocks.nth(i)
        why = block.locator(".flag-why")
        text = (why.text_content() or "").strip()
        assert len(text) > 20, f"flag {i} has no reason"
        if language == "ja":
            assert JAPANESE.search(text), text
        box = why.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= inner_width + 0.5
        # Japanese wraps as text, not one character a line: the reason is wider than tall.
        assert box["width"] > 200, box
        badge = block.locator(".sev-badge")
        assert (badge.text_content() or "").strip(), "the severity is said in words"
        source = block.locator(".flag-source")
        assert (source.text_content() or "").strip()
    _no_sideways_scroll(page, "the project page with every flag open")
    shot(page, f"desk-{language}-{width}")


def test_reviewer_sorts_the_queue_by_severity_and_records_a_decision(new_page, login, shot):
    page = _reviewer(new_page, login, 1280, "en")
    # Another order first, then back to the most serious first, through the form.
    page.select_option("#q-sort", "newest")
    with page.expect_navigation():
        page.click("form.queue-filters button[type=submit]")
    assert "sort=newest" in page.url
    newest = _queue_severities(page)
    page.select_option("#q-sort", "severity")
    with page.expect_navigation():
        page.click("form.queue-filters button[type=submit]")
    severities = _queue_severities(page)
    ranks = [RANK[s] for s in severities]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == 4, severities
    assert newest != severities  # the order did change
    count = page.locator(".queue-count").text_content() or ""
    assert re.search(r"1–25 of \d+ projects waiting", count), count
    shot(page, "1-sorted")

    # Only high flags, then the next page.
    page.select_option("#q-severity", "high")
    with page.expect_navigation():
        page.click("form.queue-filters button[type=submit]")
    assert "severity=high" in page.url
    with page.expect_navigation():
        page.click("nav.pager a[rel=next]")
    assert "page=2" in page.url and "severity=high" in page.url
    assert re.search(r"26–\d+ of", page.locator(".queue-count").text_content() or "")
    shot(page, "2-filtered-page-2")

    page.goto("/reviews")
    title = (page.locator("ol.queue > li h2 a").first.text_content() or "").strip()
    with page.expect_navigation():
        page.locator("ol.queue > li h2 a").first.click()
    # Nothing is chosen, and the browser will not send the form until something is.
    assert page.input_value("select#status") == ""
    note = f"Vendor confirmed on the list; objection (e2e {time.time_ns()})."
    page.fill("textarea#note", note)
    page.click("form.decision button[type=submit]")
    assert page.evaluate("document.querySelector('select#status').validity.valueMissing")
    assert "/review" not in page.url
    shot(page, "3-nothing-chosen")
    page.select_option("select#status", "objection")
    with page.expect_navigation():
        page.click("form.decision button[type=submit]")
    assert "Decision recorded." in page.locator(".messages").all_text_contents()[0]
    assert note in (page.locator("ol.decisions").text_content() or "")
    assert (page.locator("strong.review-status").text_content() or "").strip() == "Objection"
    shot(page, "4-recorded")
    page.goto("/reviews")
    assert title not in (page.locator("ol.queue").text_content() or "")


def test_server_refuses_an_empty_decision_in_words(new_page, login, shot):
    """With the browser's check out of the way, the server says what is missing, in Japanese."""
    page = _reviewer(new_page, login, 390, "ja")
    with page.expect_navigation():
        page.locator("ol.queue > li h2 a").first.click()
    page.evaluate("document.querySelector('form.decision').noValidate = true")
    with page.expect_navigation():
        page.click("form.decision button[type=submit]")
    errors = page.locator(".field-error").all_text_contents()
    assert len(errors) == 2 and all(JAPANESE.search(e) for e in errors), errors
    _no_sideways_scroll(page, "the refused form")
    shot(page, "refused-ja-390")


def _legible_in_print(page) -> list[dict]:
    """Each severity badge's words and how it prints: border and text colour."""
    return page.locator(".sev-badge").evaluate_all(
        """badges => badges.map(b => {
            const s = getComputedStyle(b);
            return {text: b.textContent.trim(), border: s.borderTopColor,
                    width: parseFloat(s.borderTopWidth), style: s.borderTopStyle,
                    color: s.color, visible: b.offsetWidth > 0};
        })"""
    )


def _dark(colour: str) -> bool:
    values = [float(v) for v in re.findall(r"[\d.]+", colour)]
    red, green, blue = values[:3]
    alpha = values[3] if len(values) > 3 else 1.0
    return alpha > 0.5 and (0.299 * red + 0.587 * green + 0.114 * blue) < 110


@pytest.mark.parametrize("where", ["project", "queue"])
def test_print_keeps_flags_legible(new_page, login, shot, where):
    page = _reviewer(new_page, login, 1280, "en")
    if where == "project":
        with page.expect_navigation():
            page.locator("ol.queue > li h2 a").first.click()
    page.emulate_media(media="print")
    badges = _legible_in_print(page)
    assert badges
    for badge in badges:
        if not badge["visible"]:
            continue
        assert badge["text"].endswith(("Critical", "High", "Medium", "Info")), badge
        assert _dark(badge["color"]), badge  # dark words …
        assert badge["width"] >= 1 and badge["style"] != "none" and _dark(badge["border"]), badge
    assert page.locator("form.queue-filters, form.decision").evaluate_all(
        "forms => forms.every(f => getComputedStyle(f).display === 'none')"
    )
    shot(page, f"print-{where}")
