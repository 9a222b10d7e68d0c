"""A planner on the export page, in a real browser: previews and downloads every export
shape with the defaults and with filters, in English and Japanese, at 1280 and 390 px;
a bad filter leaves the page working; the list shares the form."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.csv_cells import SHAPES, columns_for
from tests.test_exports import strict_rows

pytestmark = pytest.mark.e2e

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-GB", "ja": "ja-JP"}
VIETNAM = {"en": "Vietnam", "ja": "ベトナム"}
IMPLEMENTATION = {"en": "Implementation", "ja": "実施中"}


def count(page) -> int:
    """The number in "N projects match" (or "該当案件 N件")."""
    text = page.locator("#match-heading").text_content() or ""
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"no count in {text!r}"
    return int(digits)


def table(page, selector: str) -> tuple[list[str], list[list[str]]]:
    header = page.eval_on_selector_all(
        f"{selector} thead th", "cells => cells.map(c => c.textContent)"
    )
    rows = page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    return header, rows


def download(page, selector: str) -> tuple[str, list[list[str]]]:
    """Click a download link: (its address, the rows of the file it saved)."""
    href = page.locator(selector).get_attribute("href") or ""
    with page.expect_download() as info:
        page.click(selector)
    saved = info.value.path()
    return href, strict_rows(Path(saved).read_bytes())


def fits(page) -> None:
    """Nothing widens the page: whatever is wide scrolls inside its own box."""
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"the page scrolls sideways by {wide}px at {page.viewport_size}"


def preview(page) -> None:
    with page.expect_navigation():
        page.click("#export-form button[type=submit]")
    assert page.locator(".card.error").count() == 0, page.locator(".card.error").text_content()


def check_shape(page, shape: str, shot, step: str) -> None:
    """The preview is a table of the shape's columns; both downloads carry the previewed
    query and hold the previewed rows first."""
    header, rows = table(page, "#preview")
    assert header == list(columns_for(shape))
    assert rows and all(len(row) == len(header) for row in rows)
    assert len(rows[0][1]) > 1  # a title, not one character of an encoded line
    query = parse_qs(urlsplit(page.url).query)
    href, file_rows = download(page, "#download")
    carried = parse_qs(urlsplit(href).query)
    for name in ("country", "status"):
        assert carried.get(name) == query.get(name), (name, href, page.url)
    assert carried.get("explode", ["project"]) == [shape]
    assert file_rows[0] == header and file_rows[1 : len(rows) + 1] == rows
    s_header, s_rows = table(page, "#summary-preview")
    s_href, s_file = download(page, "#download-summary")
    assert parse_qs(urlsplit(s_href).query).get("country") == query.get("country")
    assert s_file[0] == s_header and s_file[1 : len(s_rows) + 1] == s_rows
    fits(page)
    page.locator("#preview").scroll_into_view_if_needed()
    shot(page, step)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LOCALES)
def test_planner_previews_and_downloads_every_shape(new_page, login, shot, lang, width):
    page = new_page(viewport=WIDTHS[width], locale=LOCALES[lang], accept_downloads=True)
    login(page, "planner")
    page.goto(f"/exports?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    everything = count(page)
    shot(page, "0-page")

    # The defaults: every "Any" is no filter.
    for shape in SHAPES:
        page.select_option("#explode", shape)
        preview(page)
        assert count(page) == everything
        assert "country" not in parse_qs(urlsplit(page.url).query)
        check_shape(page, shape, shot, f"1-defaults-{shape}")

    # Filters: a country picked by its name in the page's language, and a status.
    page.select_option("#country", label=VIETNAM[lang])
    page.select_option("#status", label=IMPLEMENTATION[lang])
    for shape in SHAPES:
        page.select_option("#explode", shape)
        preview(page)
        query = parse_qs(urlsplit(page.url).query)
        assert query["country"] == ["VN"] and query["status"] == ["implementation"]
        assert 0 < count(page) < everything
        check_shape(page, shape, shot, f"2-filtered-{shape}")
        if shape == "country":
            header, rows = table(page, "#preview")
            assert {row[header.index("country_code")] for row in rows} == {"VN"}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LOCALES)
def test_a_bad_filter_leaves_the_page_working(new_page, login, shot, lang, width):
    page = new_page(viewport=WIDTHS[width], locale=LOCALES[lang], accept_downloads=True)
    login(page, "planner")
    page.goto(f"/exports?lang={lang}&country=Vietnam&status=implementation")
    error = page.locator("#country-error")
    assert error.is_visible() and "Vietnam" in (error.text_content() or "")
    if lang == "ja":
        assert re.search(r"[\u3040-\u30ff]", error.text_content() or ""), error.text_content()
    href, rows = download(page, "#download")
    assert "Vietnam" not in href and "country" not in href and "status=implementation" in href
    header = rows[0]
    assert {r[header.index("status")] for r in rows[1:]} == {"implementation"}
    fits(page)
    shot(page, "1-bad-filter")
    # Choosing the country by name mends it.
    page.select_option("#country", label=VIETNAM[lang])
    preview(page)
    assert parse_qs(urlsplit(page.url).query)["country"] == ["VN"]
    shot(page, "2-mended")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_list_shares_the_form_and_puts_results_first(new_page, login, shot, width):
    page = new_page(viewport=WIDTHS[width])
    login(page, "planner")
    page.goto("/projects")
    page.click("details.more-filters > summary")
    page.select_option("#country", label="Vietnam")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert parse_qs(urlsplit(page.url).query) == {"country": ["VN"], "sort": ["-updated_at"]}
    results = page.locator("section.results").bounding_box()
    facets = page.locator("details.facets-panel").bounding_box()
    if width == "phone":
        assert results["y"] < facets["y"]
    assert page.locator("#csv-link").get_attribute("href") == "/exports/projects.csv?country=VN"
    fits(page)
    shot(page, "1-filtered")
    page.goto("/projects?q=" + "harbour+" * 375)
    chip = page.locator("a.chip-q")
    assert len(chip.text_content() or "") < 70
    assert len(chip.get_attribute("title") or "") > 2000
    fits(page)
    shot(page, "2-long-query")
