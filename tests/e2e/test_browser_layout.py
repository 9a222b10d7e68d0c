"""Layout in a real browser: every main page fits a 1280 px screen and a 390 px phone in
English and Japanese (no sideways scroll, no console error, a compact header), the admin
header stays on one line, the list shows results before facets on a phone, and the
print previews of the project, queue, list and country pages keep navigation out, flags
legible and every column on the paper."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A4 at 96 px per inch, less 12 mm margins each side: the width print lays out in.
PAPER = {"width": 703, "height": 1000}

# page -> (role that uses it, address); the project page's address is found at run time.
PAGES = {
    "projects": ("planner", "/projects"),
    "project": ("reviewer", None),
    "countries": ("diplomat", "/countries"),
    "country": ("diplomat", "/countries/VN"),
    "exports": ("planner", "/exports"),
    "reviews": ("reviewer", "/reviews"),
    "vendors": ("admin", "/admin/vendors"),
    "login": (None, "/login"),
    "not-found": ("diplomat", "/no-such-page"),
}


def watch_console(page) -> list[str]:
    """Console errors and failed requests (other than the page itself) as they happen."""
    problems: list[str] = []

    def on_console(message):
        if message.type == "error":
            problems.append(f"console: {message.text} at {message.location.get('url')}")

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", on_response)
    return problems


def real_problems(problems: list[str], page_url: str) -> list[str]:
    """Leave out the browser's own line about a page answered 404 on purpose."""
    return [
        p
        for p in problems
        if not (p.startswith("console: Failed to load resource") and p.endswith(f"at {page_url}"))
    ]


def project_with_critical_flag(page) -> str:
    """The address of the first project of the list that carries a critical flag."""
    page.goto("/projects?severity=critical")
    href = page.locator(".project-list h3 a").first.get_attribute("href")
    assert href and href.startswith("/projects/"), href
    return href


# Per row of a `table.stack` body: its display, and whether every cell with a data-label shows it.
STACKED_ROWS = """() => [...document.querySelectorAll('table.stack tbody tr')].map(r => [
  getComputedStyle(r).display,
  [...r.cells].filter(c => c.dataset.label)
    .every(c => getComputedStyle(c, '::before').content.includes(c.dataset.label))])"""


def overflow(page) -> list[int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


WIDEST = """() => {
  const w = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0) {
      const cls = typeof el.className === 'string' ? el.className.trim() : '';
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (cls ? '.' + cls.replace(/\\s+/g, '.') : '') + ' right=' + Math.round(r.right));
    }
  }
  return out.slice(0, 8);
}"""


def widest_elements(page) -> list[str]:
    """The elements that reach past the right edge (for the failure message)."""
    return page.evaluate(WIDEST)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("name", list(PAGES))
def test_main_pages_fit_without_console_errors(new_page, login, shot, name, viewport):
    role, address = PAGES[name]
    page = new_page(viewport=viewport)
    problems = watch_console(page)
    if role:
        login(page, role)
    if address is None:
        address = project_with_critical_flag(page)
    for lang in ("en", "ja"):
        problems.clear()
        response = page.goto(f"{address}{'&' if '?' in address else '?'}lang={lang}")
        assert response is not None
        assert response.status == (404 if name == "not-found" else 200), (name, response.status)
        assert page.locator("html").get_attribute("lang") == lang
        page.wait_for_load_state("networkidle")
        shot(page, lang)
        scroll_width, inner_width = overflow(page)
        assert scroll_width <= inner_width, (
            f"{name} ({lang}, {viewport['width']} px) scrolls sideways: {scroll_width} > "
            f"{inner_width}; too wide: {widest_elements(page)}"
        )
        assert not real_problems(problems, page.url), real_problems(problems, page.url)
        icon = page.locator("link[rel=icon]")
        assert icon.count() == 1 and icon.get_attribute("href").endswith("favicon.svg")
        header = page.locator("header.top").bounding_box()
        if viewport is PHONE:
            assert header["height"] < 120, f"{name} ({lang}): header {header['height']} px tall"
            assert header["width"] <= inner_width
            # Tables marked `stack` become one block per row, each cell labelled.
            rows = page.evaluate(STACKED_ROWS)
            assert all(display == "block" for display, _ in rows), (name, rows[:3])
            assert all(labelled for _, labelled in rows), f"{name}: a stacked cell hides its label"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_admin_header_is_one_line_at_1280(new_page, login, shot, lang):
    page = new_page(viewport=DESKTOP)
    login(page, "admin")
    page.goto(f"/projects?lang={lang}")
    links = page.locator("header nav a")
    texts = [t.strip() for t in links.all_text_contents()]
    assert len(texts) == 6, texts  # Projects, Countries, Exports, Reviews, Vendors, API docs
    assert page.locator("header .who").is_visible()
    assert page.locator("header button[type=submit]").is_visible()
    tops = {
        round(box["y"] + box["height"] / 2)
        for box in (
            page.locator(selector).bounding_box()
            for selector in ("header .brand", "header nav", "header .tools")
        )
    }
    line = links.first.bounding_box()["height"]
    nav = page.locator("header nav").bounding_box()
    header = page.locator("header.top").bounding_box()
    shot(page, lang)
    assert nav["height"] < line * 1.5, f"the nav wraps: {nav['height']} px for {line} px lines"
    assert max(tops) - min(tops) <= 4, f"brand, nav and tools not on one line: {tops}"
    assert header["height"] < 64, header


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_phone_list_shows_results_first_and_long_chips_fit(new_page, login, shot, lang):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    login(page, "planner")
    page.goto(f"/projects?lang={lang}")
    first = page.locator(".project-list h3 a").first.bounding_box()
    header = page.locator("header.top").bounding_box()
    shot(page, "list")
    assert header["height"] < 120, header
    assert first["y"] < 700, f"the first result starts {first['y']} px down"
    # A 3,000-character query: its chip stays inside the page.
    page.goto("/projects?q=" + "x" * 3000)
    chip = page.locator(".chips a.chip").last.bounding_box()
    shot(page, "long-chip")
    assert chip["x"] >= 0 and chip["x"] + chip["width"] <= PHONE["width"], chip
    assert overflow(page)[0] <= PHONE["width"]


def luminance(css_color: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"[\d.]+", css_color)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


CRITICAL_BADGE = ".sev-badge.sev-critical, .badges .sev-critical, .badge.sev-critical"
# The computed ink and left border of an element (of its first cell for a table row).
BORDER_AND_INK = """e => {
  const s = getComputedStyle(e.tagName === 'TR' ? e.cells[0] : e);
  return {color: s.color, width: parseFloat(s.borderLeftWidth), style: s.borderLeftStyle,
          border: s.borderLeftColor, background: s.backgroundColor};
}"""
# The right edge of the last cell of every row, per table shown in <main>.
LAST_COLUMN_EDGES = """() => [...document.querySelectorAll('main table')]
  .filter(t => t.offsetParent)
  .map(t => Math.max(0, ...[...t.rows].filter(r => r.cells.length)
    .map(r => r.cells[r.cells.length - 1].getBoundingClientRect().right)))"""


def background_luminance(css_color: str) -> float:
    """A transparent background prints as the paper: white."""
    values = re.findall(r"[\d.]+", css_color)
    return 1.0 if len(values) == 4 and float(values[3]) == 0 else luminance(css_color)


def assert_prints_well(page, what: str, flags: bool = True) -> None:
    """Navigation hidden, a critical flag in dark text with a thick border, columns inside."""
    page.emulate_media(media="print")
    for selector in ("header.top", "header nav", ".skip"):
        if page.locator(selector).count():
            shown = page.locator(selector).first.evaluate("e => getComputedStyle(e).display")
            assert shown == "none", f"{what}: {selector} prints ({shown})"
    assert page.locator("main button:visible, main select:visible").count() == 0, what
    if flags:
        badges = page.locator(f"{CRITICAL_BADGE} >> visible=true")
        if not badges.count():
            badges = page.locator(".sev-critical >> visible=true")
        critical = badges.first
        assert critical.count(), f"{what}: no critical flag on the page"
        style = critical.evaluate(BORDER_AND_INK)
        assert luminance(style["color"]) < 0.3, f"{what}: critical flag text {style}"
        assert background_luminance(style["background"]) > 0.8, f"{what}: flag background {style}"
        assert style["style"] not in ("none", "hidden") and style["width"] >= 2, f"{what}: {style}"
        assert luminance(style["border"]) < 0.3, f"{what}: critical flag border {style}"
    width = page.evaluate("window.innerWidth")
    edges = page.evaluate(LAST_COLUMN_EDGES)
    assert all(edge <= width + 1 for edge in edges), f"{what}: a last column past {width}: {edges}"
    assert overflow(page)[0] <= width, f"{what}: {widest_elements(page)}"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_print_keeps_navigation_out_flags_legible_and_columns_in(new_page, login, shot, lang):
    page = new_page(viewport=PAPER)
    login(page, "reviewer")
    project = project_with_critical_flag(page)
    pages = (
        ("project", project, True),
        ("queue", "/reviews", True),
        ("list", "/projects?severity=critical", True),
        ("country", "/countries/VN", False),
    )
    for name, address, flags in pages:
        page.emulate_media(media="screen")
        page.goto(f"{address}{'&' if '?' in address else '?'}lang={lang}")
        assert_prints_well(page, f"{name} ({lang})", flags)
        shot(page, f"print-{name}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(ARTIFACTS / f"layout-print-{name}-{lang}.pdf"), format="A4")
