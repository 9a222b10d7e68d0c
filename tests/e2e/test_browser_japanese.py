"""The main pages in Japanese, as Chromium shows them (locale ja-JP) at 1280 and 390 px:
each is screenshotted and its visible text (`inner_text('body')`) holds no English
sentence that is not data (tests/japanese_text.py says what data and codes are)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.japanese_text import EnglishFinder, seed_data_strings

PROBES = Path(__file__).parent / "probe_projects.json"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Each role's main pages; `{project}` is a flagged project of the demo data.
PAGES = {
    "diplomat": ("/projects", "/projects/{project}", "/countries", "/countries/VN"),
    "reviewer": ("/reviews", "/projects/{project}", "/projects?flagged=true"),
    "planner": ("/exports", "/exports?country=VN&group_by=sector", "/countries/JP"),
    "admin": ("/admin/vendors", "/projects"),
}
# What the page marks as staying as it is: code, and text marked translate="no".
HIDE_DATA = """() => document
    .querySelectorAll('[translate=no], code, pre, kbd, samp')
    .forEach((e) => { e.style.display = 'none'; })"""


@pytest.fixture(scope="module")
def finder():
    return EnglishFinder(seed_data_strings(json.loads(PROBES.read_text("utf-8"))))


def _flagged_project(page) -> str:
    page.goto("/projects?flagged=true")
    href = page.locator("main a[href^='/projects/']").first.get_attribute("href")
    found = re.match(r"/projects/(\d+)", href or "")
    assert found, f"no project link on /projects?flagged=true: {href!r}"
    return found.group(1)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_in_japanese(new_page, login, shot, finder, role, width):
    page = new_page(viewport=WIDTHS[width], locale="ja-JP")
    login(page, role)
    project = _flagged_project(page)
    found = {}
    for number, url in enumerate(PAGES[role]):
        address = url.format(project=project)
        response = page.goto(address)
        assert response is not None and response.status < 500, f"{address}: {response}"
        assert page.locator("html").get_attribute("lang") == "ja", address
        shot(page, f"{number}-{re.sub(r'[^a-z0-9]+', '-', address.lower()).strip('-')}")
        page.evaluate(HIDE_DATA)
        lines = re.split(r"[\n\t]", page.inner_text("body"))
        found[address] = finder.english(lines) + [
            f"absent dates shown as {line!r}" for line in lines if "– –" in line
        ]
    report = "\n".join(f"{url}:\n    " + "\n    ".join(runs) for url, runs in found.items() if runs)
    assert not report, f"English on Japanese pages ({role}, {width}):\n{report}"
