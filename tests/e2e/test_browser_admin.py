"""An admin at /admin/vendors in a real browser, in English and Japanese, at 1280 and 390 px:
a bad entry shows its error beside the field (ticks kept), a duplicate is refused with a
link, then the entry is added, edited and retired with its history, and the re-run that
follows is watched to its end."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.e2e

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TEXT = {
    "en": {
        "categories": "Tick at least one category",
        "duplicate": "is already listed as",
        "reason": "Say why",
        "added": "added.",
        "retired": "Retired",
        "done": "Done",
    },
    "ja": {
        "categories": "区分を一つ以上選んでください",
        "duplicate": "すでに",
        "reason": "理由を1～1,000文字で入力してください",
        "added": "を追加しました",
        "retired": "廃止",
        "done": "完了",
    },
}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"page scrolls sideways: {scroll} > {width}"


def submit(page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def wait_until_done(page, done: str, reload: bool = True) -> None:
    """Until the run panel says the run is done: reloading the page ourselves, or (on the
    run's own page, `reload=False`) letting its Refresh header do it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = page.locator("#run .run-state.state-done")
        if state.count():
            assert (state.text_content() or "").strip() == done
            return
        time.sleep(1)
        if reload:
            page.reload()
    raise AssertionError("the re-run did not finish within 60 s")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_admin_adds_edits_and_retires_a_vendor(new_page, login, shot, lang, width):
    text = TEXT[lang]
    page = new_page(
        viewport={"width": width, "height": 900}, locale="ja-JP" if lang == "ja" else "en-GB"
    )
    login(page, "admin")
    page.goto(f"/admin/vendors?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    name = f"Nordwind Optics {lang.upper()} {width}"

    # 1. No category ticked: the error sits in the categories box, the rest is kept.
    page.fill("#name", name)
    page.fill("#aliases", f"Nordwind {lang} {width}")
    page.fill("#country", "RU")
    page.fill("#source", "Admin decision of 2026-12-01")
    submit(page, "form.vendor-form")
    error = page.locator("fieldset#categories .field-error")
    assert error.is_visible()
    assert text["categories"] in (error.text_content() or "")
    assert page.input_value("#name") == name
    summary = page.locator(".error-summary a[href='#categories']")
    assert summary.is_visible()
    no_sideways_scroll(page)
    shot(page, "1-no-category")

    # 2. Two boxes ticked, but a name the built-in list has: refused with a link; ticks kept.
    page.check("input[name=categories][value=surveillance]")
    page.check("input[name=categories][value=drone]")
    page.fill("#name", "ＨＵＡＷＥＩ Technologies Co., Ltd.")
    submit(page, "form.vendor-form")
    name_error = page.locator("#name-error")
    assert text["duplicate"] in (name_error.text_content() or "")
    link = name_error.locator("a")
    assert link.get_attribute("href") == "/admin/vendors#seed-huawei"
    assert page.is_checked("input[name=categories][value=surveillance]")
    assert page.is_checked("input[name=categories][value=drone]")
    assert not page.is_checked("input[name=categories][value=telecom]")
    no_sideways_scroll(page)
    shot(page, "2-duplicate")

    # 3. A name of its own: added, listed, and a re-run starts by itself.
    page.fill("#name", name)
    submit(page, "form.vendor-form")
    assert text["added"] in (page.locator(".messages").text_content() or "")
    row = page.locator("table.vendors tr", has=page.locator(f"a:text-is('{name}')"))
    assert row.count() == 1
    wait_until_done(page, text["done"])
    no_sideways_scroll(page)
    shot(page, "3-added")

    # 4. Edit: the reason is required, then the change is in the history.
    with page.expect_navigation():
        row.locator(f"a:text-is('{name}')").click()
    page.fill("#name", f"{name} Ltd-free")
    submit(page, "form.vendor-form")
    assert text["reason"] in (page.locator("#reason-error").text_content() or "")
    assert page.input_value("#name") == f"{name} Ltd-free"
    shot(page, "4-edit-needs-reason")
    page.fill("#reason", "Spelling as in the register")
    submit(page, "form.vendor-form")
    history = page.locator("#history")
    assert "Spelling as in the register" in (history.text_content() or "")
    assert "admin@e2e.example.org" in (history.text_content() or "")
    assert history.locator("ins").first.text_content() == f"{name} Ltd-free"
    no_sideways_scroll(page)
    shot(page, "5-edited")

    # 5. Retire with a reason: marked retired, still listed, no edit form.
    submit(page, "form.retire-form")
    assert page.locator("#retire-reason-error").is_visible()
    page.fill("#retire-reason", "Delisted on 2026-12-01")
    submit(page, "form.retire-form")
    assert text["retired"] in (page.locator("h1 .badge").text_content() or "")
    assert page.locator("form.vendor-form").count() == 0
    assert "Delisted on 2026-12-01" in (page.locator("#history").text_content() or "")
    wait_until_done(page, text["done"])
    no_sideways_scroll(page)
    shot(page, "6-retired")
    if lang == "ja":
        body = page.locator("main").inner_text()
        assert JAPANESE.search(body)
        for english in ("Retire", "History", "Reason", "Last run", "Started by"):
            assert english not in body, english

    # 6. Re-run by hand: the run's own page follows it to its result, reloading itself.
    submit(page, "#run form")
    assert "/admin/screening/runs/" in page.url
    wait_until_done(page, text["done"], reload=False)
    assert re.search(r"\d", page.locator("#run .run-result").text_content() or "")
    no_sideways_scroll(page)
    shot(page, "7-rerun-done")

    page.goto("/admin/vendors")
    retired_row = page.locator("table.vendors tr.retired", has_text=f"{name} Ltd-free")
    assert retired_row.count() == 1
    shot(page, "8-listed-as-retired")
