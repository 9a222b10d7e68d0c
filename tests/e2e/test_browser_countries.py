"""Country pages in a real browser, in English and Japanese, at 1280 px and on a 390 px
phone: no sideways scroll, legible chart labels, a bar that opens the list it counts, and
the /countries filters."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.e2e

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
# The smallest computed font size (px) of the chart's words.
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll(
  'figure.committed .bar-label, figure.committed .bar-value, figure.committed h3')]
  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""


def _page(new_page, size: str):
    if size == "phone":
        return new_page(
            viewport=WIDTHS[size], is_mobile=True, has_touch=True, device_scale_factor=2
        )
    return new_page(viewport=WIDTHS[size])


def _results_total(page) -> int:
    text = page.locator("#results-heading").text_content() or ""
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"no count in the results heading {text!r}"
    return int(digits)


def _fits(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page.evaluate(FITS), f"sideways scroll: scrollWidth, innerWidth = {widths}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_country_chart_bar_opens_the_list_it_counts(new_page, login, shot, lang, size):
    page = _page(new_page, size)
    login(page, "diplomat")
    page.goto(f"/countries/vnm?lang={lang}")  # alpha-3 and lower case: the canonical page
    assert urlsplit(page.url).path == "/countries/VN"
    assert page.locator("html").get_attribute("lang") == lang
    heading = page.locator("#chart-heading").text_content() or ""
    if lang == "ja":
        assert JAPANESE.search(heading), heading
    else:
        assert heading == "Committed amounts by sector and start year"
    bars = page.locator("figure.committed a.bar")
    assert bars.count() >= 2
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 12
    labels = page.locator("figure.committed .bar-label").all_text_contents()
    if lang == "ja":
        words = [label for label in labels if not label.strip().isdigit()]
        assert words and all(JAPANESE.search(w) for w in words), words
    _fits(page)
    whole = shot(page, "1-country")
    # The chart alone too: a phone's full page is too tall to look at in one image.
    chart = page.locator("section.committed-charts")
    chart.screenshot(path=str(whole.with_name(f"{whole.stem}-chart.png")))

    # The links to this country's projects in the list and in the export.
    assert page.locator("a[data-link=list]").get_attribute("href") == "/projects?country=VN"
    assert page.locator("a[data-link=export]").get_attribute("href") == "/exports?country=VN"

    # A sector bar: the list it opens shows the count it states.
    bar = bars.nth(1)
    bar.scroll_into_view_if_needed()
    expected = int(bar.get_attribute("data-list-count") or -1)
    category = bar.get_attribute("data-category")
    with page.expect_navigation():
        bar.click()
    query = parse_qs(urlsplit(page.url).query)
    assert urlsplit(page.url).path == "/projects"
    assert query["country"] == ["VN"] and query["sector"] == [category]
    assert _results_total(page) == expected
    _fits(page)
    shot(page, "2-list")


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_countries_filter_by_region_and_show_all(new_page, login, shot, lang, size):
    page = _page(new_page, size)
    login(page, "planner")
    page.goto(f"/countries?lang={lang}")
    with_projects = page.locator("table.countries tbody tr").count()
    assert 0 < with_projects < 249
    _fits(page)
    shot(page, "1-countries")

    page.select_option("#region", "035")  # South-eastern Asia
    with page.expect_navigation():
        page.click("form.country-filter button[type=submit]")
    assert parse_qs(urlsplit(page.url).query)["region"] == ["035"]
    rows = page.locator("table.countries tbody tr")
    codes = {rows.nth(i).get_attribute("data-country") for i in range(rows.count())}
    assert "VN" in codes and codes <= {
        "BN",
        "KH",
        "ID",
        "LA",
        "MY",
        "MM",
        "PH",
        "SG",
        "TH",
        "TL",
        "VN",
    }
    option = page.locator("#region option[value='035']").text_content() or ""
    assert ("東南アジア" in option) if lang == "ja" else ("South-eastern Asia" in option)
    _fits(page)
    shot(page, "2-region")

    page.check("input[name=all]")
    with page.expect_navigation():
        page.click("form.country-filter button[type=submit]")
    assert rows.count() == 11  # every country of South-eastern Asia, with projects or not
    _fits(page)
    shot(page, "3-region-all")

    page.goto(f"/countries/FR?lang={lang}")  # no projects: says so, no empty headings
    body = page.locator("main").text_content() or ""
    no_projects = (
        "この国・地域の案件はまだありません。"
        if lang == "ja"
        else "No projects yet in this country."
    )
    assert no_projects in body and page.locator("figure.committed").count() == 0
    _fits(page)
    shot(page, "4-no-projects")

    page.goto(f"/countries/ZZ?lang={lang}")
    body = page.locator("main").text_content() or ""
    assert ("国コードではありません" in body) if lang == "ja" else ("is not a country code" in body)
    _fits(page)
    shot(page, "5-unknown")
