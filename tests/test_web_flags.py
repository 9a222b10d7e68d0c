"""The flag globals of registry/web/flags.py: why a flag was raised, in plain words in the
page's language, what each flag means, the legend, and information flags left out of badges."""

from __future__ import annotations

import re
import tomllib

import pytest
from flask import render_template_string
from flask_babel import refresh

from registry import rules
from registry.services import accounts, projects
from registry.web import flags as web_flags
from tests.conftest import valid_project

# A project that raises every flag but INCOMPLETE_DISCLOSURE, with names that are data.
BUSY = {
    "title": "Offshore survey and network",
    "description": "",
    "sectors": [{"code": "22020"}, {"code": "23630"}],
    "recipient_countries": [{"code": "VN"}],
    "participants": [
        {"name": "China Unicom (Hong Kong)", "role": "operator"},
        {"name": "Sino State Grid", "role": "investor", "country": "CN", "state_owned": True},
        {
            "name": "Gulf Power Holding",
            "role": "investor",
            "country": "AE",
            "state_owned": True,
            "stake_percentage": "51",
        },
    ],
    "technologies": [
        {"category": "surveillance_camera", "vendor": "Hikvision"},
        {"category": "5g_core", "vendor": "ZTE Corporation"},
        {"category": "undersea_cable"},
        {"category": "quantum"},
    ],
    "maritime_activities": ["bathymetry", "water_quality_sampling"],
    "export_control_categories": ["5P2", "3"],
    "locations": [],
    "tags": [],
}
BARE = {**BUSY, "participants": [], "technologies": [], "sectors": [{"code": "23630"}]}
WATER = {
    **BARE,
    "title": "Seawater Desalination Plant",
    "sectors": [{"code": "14021"}],
    "maritime_activities": ["water_quality_sampling"],
}
DATA = {
    "China Unicom (Hong Kong)",
    "China Unicom",
    "Sino State Grid",
    "Gulf Power Holding",
    "Hikvision",
    "ZTE Corporation",
    "ZTE",
    "Seawater",
    "seawater",
    "offshore",
}
with open(rules.ruleset.SCREENING_DIR / "vendors.toml", "rb") as handle:
    DATA |= {n for v in tomllib.load(handle)["vendors"] for n in [v["name"], *v["aliases"]]}
WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]+(?:\s+[A-Za-z][A-Za-z'\-]+)+")


def every_flag() -> dict[str, rules.Flag]:
    ruleset = rules.load_ruleset()
    found = {f.code: f for f in rules.screen(BUSY, ruleset)}
    found["INCOMPLETE_DISCLOSURE"] = next(
        f for f in rules.screen(BARE, ruleset) if f.code == "INCOMPLETE_DISCLOSURE"
    )
    return found


def english_runs(text: str) -> list[str]:
    """Runs of two or more Latin-letter words once the data names are taken out."""
    for name in sorted(DATA, key=len, reverse=True):
        text = text.replace(name, "·")
    return WORDS.findall(text)


def why(app, flag, language: str) -> str:
    with app.test_request_context(f"/?lang={language}"):
        refresh()  # as every request does (the app context outlives one)
        return web_flags.flag_why(flag)


def test_every_flag_code_is_raised_by_the_fixtures():
    assert set(every_flag()) == set(rules.flag_legend()["flags"])


@pytest.mark.parametrize("code", list(rules.flag_legend()["flags"]))
def test_every_flag_reason_in_english_is_plain_words(app, code):
    flag = every_flag()[code]
    text = why(app, flag, "en")
    assert text and text != flag.rationale
    assert "[" not in text and "_" not in text  # no field paths, no codes like 5g_core
    assert text.endswith(".")


@pytest.mark.parametrize("code", list(rules.flag_legend()["flags"]))
def test_every_flag_reason_in_japanese_has_no_english_sentence(app, code):
    flag = every_flag()[code]
    text = why(app, flag, "ja")
    assert text and "。" in text
    assert english_runs(text) == [], text


def test_reasons_say_what_matched(app):
    found = every_flag()
    vendor = why(app, found["HIGH_RISK_VENDOR"], "en")
    assert (
        "Participant “China Unicom (Hong Kong)” (Operator) matches China Unicom on the list of "
        "vendors of concern, by its listed name “China Unicom (Hong Kong)”." in vendor
    )
    assert (
        "The vendor “ZTE Corporation” of the project's 5G core network matches ZTE Corporation "
        "on the list of vendors of concern." in vendor
    )
    assert "[" not in vendor and "participants" not in vendor
    ja = why(app, found["HIGH_RISK_VENDOR"], "ja")
    assert "参加者「China Unicom (Hong Kong)」（運営事業者）は、懸念ベンダーのリストにある" in ja
    assert "Telecommunications (DAC 22020)" in why(app, found["TELECOM_CORE"], "en")
    assert "A vendor of concern supplies it, which makes the flag critical" in why(
        app, found["TELECOM_CORE"], "en"
    )
    state = why(app, found["FOREIGN_STATE_INVESTOR"], "en")
    assert "“Sino State Grid”, a state-owned Investor from China, a country of concern" in state
    assert "“Gulf Power Holding”, a state-owned Investor from United Arab Emirates, holds 51%" in (
        state
    )
    assert "中国" in why(app, found["FOREIGN_STATE_INVESTOR"], "ja")
    dual = why(app, found["DUAL_USE"], "en")
    assert "export-control category 5P2 (Information security)" in dual
    assert "Category 5P2 makes the flag high." in dual
    assert "区分5P2があるため" in why(app, found["DUAL_USE"], "ja")
    info = why(app, found["CRITICAL_INFRASTRUCTURE"], "en")
    assert "This is for information; it needs no review." in info


def test_water_quality_reasons_both_ways(app):
    ruleset = rules.load_ruleset()
    with_activity = every_flag()["MARITIME_DATA"]
    assert why(app, with_activity, "en") == (
        "The project collects seabed or ocean data: Bathymetry. Its water-quality sampling "
        "counts as ocean data because it goes with work at sea: Bathymetry."
    )
    coastal = next(f for f in rules.screen(WATER, ruleset) if f.code == "MARITIME_DATA")
    assert why(app, coastal, "en") == (
        "Its water-quality sampling counts as ocean data because the work is on the coast, not "
        "at a sewage works: the project title says “seawater”."
    )
    assert why(app, coastal, "ja") == (
        "作業が下水処理施設ではなく沿岸で行われるため、この事業の水質調査は海洋データに"
        "当たります（事業名に「seawater」とあります）。"
    )
    sewage = {**WATER, "title": "Coastal wastewater treatment plant"}
    assert "MARITIME_DATA" not in {f.code for f in rules.screen(sewage, ruleset)}


def test_a_flag_as_the_document_gives_it_reads_the_same(app):
    flag = every_flag()["SURVEILLANCE"]
    document_form = {
        "code": flag.code,
        "severity": flag.severity,
        "rationale": flag.rationale,
        "reason": flag.reason,
    }
    assert why(app, document_form, "ja") == why(app, flag, "ja")
    assert why(app, flag, "ja") == (
        "監視カメラが懸念ベンダーから供給されます："
        "Hangzhou Hikvision Digital Technology（記載名「Hikvision」）。"
    )


def test_old_rows_fall_back_to_their_text_and_hidden_reasons_to_nothing(app):
    old = {"code": "MARITIME_DATA", "severity": "high", "rationale": "Stored text.", "reason": None}
    assert why(app, old, "ja") == "Stored text."
    unknown = {**old, "reason": {"key": "from_a_later_version"}}
    assert why(app, unknown, "en") == "Stored text."
    need_to_know = {"code": "MARITIME_DATA", "severity": "high", "pillar": "maritime"}
    assert why(app, need_to_know, "en") == ""


@pytest.mark.parametrize("language", ["en", "ja"])
def test_meaning_and_legend_for_every_flag(app, language):
    with app.test_request_context(f"/?lang={language}"):
        refresh()
        legend = web_flags.flag_legend()
        meanings = {code: web_flags.flag_meaning(code) for code in rules.flag_legend()["flags"]}
        assert web_flags.flag_meaning("NOT_A_FLAG") == ""
    assert [entry["code"] for entry in legend] == list(rules.flag_legend()["flags"])
    for entry in legend:
        assert set(entry) == {
            "code",
            "label",
            "severity",
            "severity_label",
            "pillar",
            "pillar_code",
            "pillar_description",
            "meaning",
            "reviewer_checks",
            "visible_by_default",
        }
        assert entry["meaning"] == meanings[entry["code"]]
        assert entry["reviewer_checks"] and entry["pillar_description"]
        if language == "ja":
            texts = [
                entry["label"],
                entry["severity_label"],
                entry["pillar"],
                entry["meaning"],
                entry["pillar_description"],
                *entry["reviewer_checks"],
            ]
            assert [english_runs(t) for t in texts if english_runs(t)] == [], entry["code"]
    by_code = {entry["code"]: entry for entry in legend}
    assert by_code["CRITICAL_INFRASTRUCTURE"]["visible_by_default"] is False
    assert by_code["MARITIME_DATA"]["visible_by_default"] is True
    if language == "ja":
        assert by_code["MARITIME_DATA"]["label"] == "海洋データ"
        assert by_code["MARITIME_DATA"]["pillar"] == "海洋安全保障"
        assert "下水処理施設" in by_code["MARITIME_DATA"]["meaning"]
    else:
        assert by_code["MARITIME_DATA"]["severity_label"] == "High"


BADGES = (
    '{% from "macros.html" import flag_badges %}'
    "{{ flag_badges(security) }}|{{ flag_badges(security, show_information=True) }}"
)


def test_badges_leave_information_flags_out_unless_asked(app):
    security = {
        "flags": [
            {"code": "MARITIME_DATA", "severity": "high"},
            {"code": "CRITICAL_INFRASTRUCTURE", "severity": "info"},
        ]
    }
    only_info = {"flags": [{"code": "CRITICAL_INFRASTRUCTURE", "severity": "info"}]}
    with app.test_request_context("/?lang=en"):
        refresh()
        default, asked = render_template_string(BADGES, security=security).split("|")
        empty, shown = render_template_string(BADGES, security=only_info).split("|")
        nothing = render_template_string(BADGES, security=None)
    assert "Maritime data" in default and "Critical infrastructure" not in default
    assert "Maritime data" in asked and "Critical infrastructure" in asked
    assert "<ul" not in empty and "Critical infrastructure" in shown
    assert "<ul" not in nothing
    assert 'title="The project collects seabed or ocean data' in default


def test_the_list_page_hides_information_flags_unless_filtered(app, client, ministry):
    projects.project_create(valid_project(maritime_activities=["bathymetry"]), ministry)
    projects.project_create(
        valid_project(identifier="JP-GOV-1-2026-002", maritime_activities=[]), ministry
    )
    reviewer = accounts.user_create("reviewer@example.org", "reviewer", "correct-horse-battery")
    with client.session_transaction() as session:
        session["_user_id"] = str(reviewer.id)
        session["_fresh"] = True

    def parts(url: str) -> tuple[str, str, str]:
        html = client.get(url).get_data(as_text=True)
        facets = re.search(r'<aside class="facets".*?</aside>', html, re.S).group(0)
        badges = " ".join(re.findall(r'<ul class="badges">.*?</ul>', html, re.S))
        return html, facets, badges

    html, facets, badges = parts("/projects?lang=en")
    assert "flag=MARITIME_DATA" in facets and "flag=CRITICAL_INFRASTRUCTURE" not in facets
    assert "Maritime data" in badges and "Critical infrastructure" not in badges
    html, facets, badges = parts("/projects?lang=en&flag=CRITICAL_INFRASTRUCTURE")
    assert "2 projects" in html  # the filter still works
    assert "Critical infrastructure" in facets


def source(app, flag, language: str) -> str:
    with app.test_request_context(f"/?lang={language}"):
        refresh()
        return web_flags.flag_source(flag)


def test_sources_are_cited_in_the_page_language(app):
    found = every_flag()
    rules_flag = found["MARITIME_DATA"]
    version = rules.ruleset.seed_files()["rules"]["version"]
    assert source(app, rules_flag, "en") == rules_flag.source
    assert source(app, rules_flag, "ja") == (
        f"本登録簿の審査ルール {version}（seed/screening/rules.toml）"
    )
    state = source(app, found["FOREIGN_STATE_INVESTOR"], "ja")
    assert state.startswith("本登録簿の審査方針：懸念国（本登録簿の運営者、2026/11/24時点）")
    assert english_runs(state) == []
    vendor = found["HIGH_RISK_VENDOR"]
    english = source(app, vendor, "en")
    assert english == vendor.source.replace("as of 2025-12-22", "as of Dec 22, 2025")
    japanese = source(app, vendor, "ja")
    assert "Federal Communications Commission" in japanese  # the list's own title: data
    assert "時点）" in japanese and "as of" not in japanese
    admin_entry = {"code": "HIGH_RISK_VENDOR", "source": "Ministry circular 12 (2026)"}
    assert source(app, admin_entry, "ja") == "Ministry circular 12 (2026)"
    assert source(app, {"code": "HIGH_RISK_VENDOR"}, "ja") == ""


def test_a_vendor_supplying_several_technologies_is_named_once(app):
    record = {
        **BARE,
        "technologies": [
            {"category": "5g_core", "vendor": "ZTE Corporation"},
            {"category": "telecom_backbone", "vendor": "ZTE Corporation"},
        ],
    }
    flag = next(
        f for f in rules.screen(record, rules.load_ruleset()) if f.code == "HIGH_RISK_VENDOR"
    )
    assert len(flag.reason["matches"]) == 2  # the data keeps each
    assert why(app, flag, "en") == (
        "The vendor “ZTE Corporation” of the project's 5G core network and Telecom backbone "
        "matches ZTE Corporation on the list of vendors of concern."
    )
    assert why(app, flag, "ja") == (
        "この事業の5Gコアネットワーク、通信基幹網の供給元「ZTE Corporation」は、"
        "懸念ベンダーのリストにあるZTE Corporationに該当します。"
    )
