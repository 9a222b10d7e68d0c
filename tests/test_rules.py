"""The screening rules (registry.rules) on plain records: each flag with a positive case, a
negative case and a name variant, the name matcher's whole-word rule, and the registry that
ties each rules.toml entry to one check function."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import rules
from registry.rules import checks
from registry.rules import names as rules_names
from registry.rules import ruleset as rules_ruleset


@pytest.fixture(scope="module")
def ruleset():
    return rules.load_ruleset()


def record(**fields) -> dict:
    base = {
        "participants": [],
        "technologies": [],
        "maritime_activities": [],
        "export_control_categories": [],
        "sectors": [{"code": "11110"}],
        "recipient_countries": [{"code": "VN"}],
    }
    base.update(fields)
    return base


def flags(ruleset, **fields) -> dict[str, rules.Flag]:
    return {f.code: f for f in rules.screen(record(**fields), ruleset)}


def supplier(name, role="supplier", **more):
    return {"name": name, "role": role, **more}


# ---- vendor names


@pytest.mark.parametrize(
    "name",
    [
        "HUAWEI TECHNOLOGIES CO., LTD",
        "Huawei Technologies Co. Ltd.",
        "huawei",
        "Huawei Marine Networks",
        "ZTE Corporation",
        "Z.T.E. Corp",
        "Hytera Communications Corp.",
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
        "Zhejiang Dahua Technology Co., Ltd.",
        "AO Kaspersky Lab",
        "China Mobile International",
        "China Telecom Global",
        "China Unicom (Hong Kong)",
        "SZ DJI Technology Co., Ltd.",
        "Autel Robotics",
        "HUAWÉI Technologies",
        "华为技术有限公司",
    ],
)
def test_vendor_variants_match(ruleset, name):
    if name == "Z.T.E. Corp":
        # Dotted initials become separate letters: not the word ZTE. A deliberate miss.
        assert ruleset.vendors.match(name) is None
        return
    assert ruleset.vendors.match(name) is not None, name


@pytest.mark.parametrize(
    "name",
    [
        "Zteam Engineering Ltd",
        "Dahuang Civil Works Co., Ltd.",
        "Chinamobility Rail Consultants",
        "Djibouti Harbour Logistics SARL",
        "Hyterra Geotechnical Pty Ltd",
        "Autelier Façades & Glazing S.A.",
        "Huaweii Logistics",
        "Mobile Telecom Services",
        "China Railway Group",
        "",
    ],
)
def test_lookalike_names_do_not_match(ruleset, name):
    assert ruleset.vendors.match(name) is None, name


@given(
    st.text(
        alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd", "Zs", "Po")), max_size=40
    )
)
def test_matching_is_whole_words_only(name):
    ruleset = rules.load_ruleset()
    words = set(ruleset.vendors.normaliser.words(name))
    match = ruleset.vendors.match(name)
    if match is not None and not any(ord(c) > 0x3000 for c in match.alias):
        assert set(ruleset.vendors.normaliser.words(match.alias)) <= words


@pytest.mark.parametrize(
    "name",
    [
        "Hua\u200bwei",  # zero-width space
        "Hua\u200dwei Technologies",  # zero-width joiner
        "HUA\u00adWEI",  # soft hyphen
        "\ufeffHuawei",  # byte-order mark
        "\u202eHuawei\u202c",  # right-to-left override … pop
        "\u2066Z\u2060TE\u2069 Corporation",  # isolates and a word joiner
        "华\u200b为技术有限公司",
    ],
)
def test_invisible_format_characters_do_not_hide_a_vendor(ruleset, name):
    assert ruleset.vendors.match(name) is not None, name


def test_format_characters_are_dropped_not_turned_into_spaces(ruleset):
    words = ruleset.vendors.normaliser.words
    assert words("Hua\u200bwei Mar\u00adine") == words("Huawei Marine") == ("huawei", "marine")
    assert ruleset.vendors.match("Zte\u200bam Engineering") is None  # still a lookalike


def test_legal_suffixes_stripped_only_at_the_ends(ruleset):
    words = ruleset.vendors.normaliser.words
    assert words("HUAWEI TECHNOLOGIES CO., LTD") == ("huawei",)
    assert words("PT Indo Co Sejahtera Tbk") == ("indo", "co", "sejahtera")


# ---- each flag: positive, negative, variant


def test_high_risk_vendor(ruleset):
    hit = flags(ruleset, participants=[supplier("HUAWEI TECHNOLOGIES CO., LTD")])[
        "HIGH_RISK_VENDOR"
    ]
    assert hit.severity == "critical" and hit.pillar == "supply_chain"
    assert "participants[0].name 'HUAWEI TECHNOLOGIES CO., LTD' matches Huawei" in hit.rationale
    assert "Federal Communications Commission" in hit.source
    assert hit.ruleset_version == ruleset.version
    variant = flags(
        ruleset, technologies=[{"category": "other", "vendor": "Huawei Technologies Co. Ltd."}]
    )
    assert "technologies[0].vendor" in variant["HIGH_RISK_VENDOR"].rationale
    assert "HIGH_RISK_VENDOR" not in flags(
        ruleset, participants=[supplier("Zteam Engineering Ltd")]
    )


def test_telecom_core_and_critical_with_vendor(ruleset):
    assert flags(ruleset, sectors=[{"code": "22020"}])["TELECOM_CORE"].severity == "high"
    core = flags(ruleset, technologies=[{"category": "5g_ran", "vendor": "Nokia"}])["TELECOM_CORE"]
    assert core.severity == "high" and "technologies[0].category '5g_ran'" in core.rationale
    worst = flags(ruleset, technologies=[{"category": "5g_core", "vendor": "ZTE Corporation"}])
    assert worst["TELECOM_CORE"].severity == "critical"
    assert "ZTE" in worst["TELECOM_CORE"].rationale
    assert "TELECOM_CORE" not in flags(ruleset, technologies=[{"category": "grid_scada"}])


def test_undersea_cable(ruleset):
    assert "UNDERSEA_CABLE" in flags(ruleset, maritime_activities=["undersea_cable_laying"])
    variant = flags(ruleset, technologies=[{"category": "undersea_cable"}])["UNDERSEA_CABLE"]
    assert variant.severity == "high" and "undersea_cable" in variant.rationale
    assert "UNDERSEA_CABLE" not in flags(ruleset, maritime_activities=["dredging"])


def test_maritime_data(ruleset):
    hit = flags(ruleset, maritime_activities=["bathymetry"])["MARITIME_DATA"]
    assert hit.pillar == "maritime" and "'bathymetry'" in hit.rationale
    assert hit.reason == {
        "key": "maritime_data",
        "activities": ["bathymetry"],
        "sampled": [],
        "at_sea": None,
    }
    assert "MARITIME_DATA" in flags(ruleset, maritime_activities=["offshore_wind"])
    assert "MARITIME_DATA" not in flags(ruleset, maritime_activities=["port_construction"])


# ---- water-quality sampling is ocean data only for work at sea (issue 12 item 3)

SEWAGE_WORKS = [
    # the demo's own sewerage projects, which went to the queue as MARITIME_DATA before
    {"title": "Pokhara Sewerage Network Extension"},
    {
        "title": "Cebu Wastewater Treatment Plant Construction",
        "description": "A wastewater treatment plant and trunk sewers in Cebu, the Philippines.",
    },
    # other spellings and phrasings
    {"title": "Sewage Treatment Plant Rehabilitation"},
    {"title": "Municipal waste water works", "locations": [{"name": "Kandy"}]},
    {"title": "Town sewers", "description": "Effluent testing at the works outlet."},
    {"title": "下水処理場の建設", "description": "汚水処理の水質検査を行う。"},
    # coastal words do not make a sewage works maritime; nor does a company's name
    {
        "title": "Poti Sewerage Network Extension",
        "description": "Works by Nippon Coastal Consultants Co., Ltd. are under way.",
    },
    {"title": "Coastal town wastewater treatment", "tags": ["coastal"]},
    {"title": "沿岸都市の下水道整備"},
    # inland water with no word of the sea
    {"title": "Lake Victoria water quality monitoring", "tags": ["freshwater"]},
    {"title": "River basin water supply", "description": "Sampling of river water quality."},
    {"title": "Seattle water works"},  # "Seattle" holds the letters of "sea", not the word
]

AT_SEA = [
    ({"title": "Marine water quality monitoring offshore"}, "offshore", "offshore", "title"),
    ({"title": "Offshore water sampling"}, "offshore", "offshore", "title"),
    ({"title": "Seawater Desalination Plant"}, "coastal", "seawater", "title"),
    (
        {"title": "Desalination", "description": "With marine intake and brine outfall."},
        "coastal",
        "marine",
        "description",
    ),
    (
        {"title": "Reef health survey", "locations": [{"name": "Outer reef"}]},
        "coastal",
        "reef",
        "title",
    ),
    ({"title": "Water monitoring", "tags": ["ocean-data"]}, "offshore", "ocean", "tag"),
    ({"title": "EEZ baseline study"}, "offshore", "EEZ", "title"),
    ({"title": "沖合の水質調査"}, "offshore", "沖合", "title"),
    (
        {"title": "水質調査", "description": "洋上風力発電所の周辺海域で採水する。"},
        "offshore",
        "洋上",
        "description",
    ),
    ({"title": "沿岸海域の水質モニタリング"}, "coastal", "沿岸", "title"),
    ({"title": "海水淡水化施設"}, "coastal", "海水", "title"),
    # offshore work is at sea even when the project also treats sewage
    (
        {"title": "Sewage outfall monitoring", "description": "Sampling offshore of the outfall."},
        "offshore",
        "offshore",
        "description",
    ),
]


def sampled(ruleset, **fields) -> dict[str, rules.Flag]:
    fields.setdefault("maritime_activities", ["water_quality_sampling"])
    return flags(ruleset, **fields)


@pytest.mark.parametrize("text", SEWAGE_WORKS, ids=lambda t: t["title"])
def test_water_quality_sampling_at_a_sewage_works_is_not_maritime_data(ruleset, text):
    assert "MARITIME_DATA" not in sampled(ruleset, **text)


@pytest.mark.parametrize(("text", "basis", "term", "field"), AT_SEA, ids=lambda v: str(v)[:40])
def test_water_quality_sampling_at_sea_is_maritime_data(ruleset, text, basis, term, field):
    hit = sampled(ruleset, **text)["MARITIME_DATA"]
    assert hit.severity == "high"
    assert hit.reason["sampled"] == ["water_quality_sampling"]
    assert hit.reason["at_sea"] == {"basis": basis, "field": field, "term": term}
    assert f"{field} says '{term}'" in hit.rationale


@pytest.mark.parametrize(
    "activity",
    ["seabed_survey", "bathymetry", "geological_survey", "offshore_wind", "undersea_cable_laying"],
)
def test_water_quality_sampling_with_work_at_sea_is_maritime_data(ruleset, activity):
    hit = sampled(
        ruleset, maritime_activities=["water_quality_sampling", activity], title="Sewerage"
    )["MARITIME_DATA"]
    assert hit.reason["at_sea"] == {"basis": "activity", "activities": [activity]}
    assert "water_quality_sampling" in hit.rationale


def test_water_quality_sampling_with_only_shore_works_is_not_maritime_data(ruleset):
    for activity in ("port_construction", "dredging"):
        both = ["water_quality_sampling", activity]
        assert "MARITIME_DATA" not in sampled(ruleset, maritime_activities=both)


def test_terms_match_whole_words_not_letters():
    matcher = rules_names.TermMatcher(["sea", "coast", "沿岸"])
    assert matcher.find("Black Sea port") == "sea"
    assert matcher.find("SEA,") == "sea"
    assert matcher.find("Seattle research") is None  # not a word "sea"
    assert matcher.find("Gold Coast") == "coast"
    assert matcher.find("coastal") is None  # a different word, listed on its own
    assert matcher.find("沿岸部の調査") == "沿岸"
    assert matcher.find("") is None


def test_only_information_flags_may_be_hidden():
    assert rules.information_flags() == {"CRITICAL_INFRASTRUCTURE"}
    files = seed_files_copy()
    files["rules"]["rules"][3]["visible_by_default"] = False  # MARITIME_DATA, high
    with pytest.raises(rules.RulesetError, match="MARITIME_DATA is hidden by default"):
        rules.load_ruleset(files=files)


def test_critical_infrastructure_is_information_and_never_needs_review(ruleset):
    hit = flags(ruleset, sectors=[{"code": "22020"}, {"code": "21040"}])["CRITICAL_INFRASTRUCTURE"]
    assert hit.severity == "info" and not rules.needs_review([hit])
    assert ruleset.rules["CRITICAL_INFRASTRUCTURE"].visible_by_default is False
    assert hit.reason == {
        "key": "critical_infrastructure",
        "sectors": [
            {"code": "21040", "group": "ports"},
            {"code": "22020", "group": "telecoms_ict"},
        ],
    }
    described = {r["code"]: r for r in ruleset.describe()["rules"]}
    assert described["CRITICAL_INFRASTRUCTURE"]["visible_by_default"] is False
    assert described["MARITIME_DATA"]["visible_by_default"] is True


def test_every_flag_carries_a_reason_with_its_key(ruleset):
    """Each rule's finding says why as data as well as in text."""
    busy = record(
        sectors=[{"code": "22020"}, {"code": "23630"}],
        participants=[
            supplier("Huawei Technologies Co., Ltd."),
            {"name": "Sino State Grid", "role": "investor", "country": "CN", "state_owned": True},
        ],
        technologies=[
            {"category": "surveillance_camera", "vendor": "Hikvision"},
            {"category": "undersea_cable"},
            {"category": "quantum"},
        ],
        maritime_activities=["bathymetry"],
        export_control_categories=["5P2"],
    )
    found = {f.code: f for f in rules.screen(busy, ruleset)}
    bare = {f.code: f for f in rules.screen(record(sectors=[{"code": "23630"}]), ruleset)}
    found["INCOMPLETE_DISCLOSURE"] = bare["INCOMPLETE_DISCLOSURE"]
    keys = {code: f.reason["key"] for code, f in found.items()}
    assert keys == {
        "HIGH_RISK_VENDOR": "vendor_match",
        "TELECOM_CORE": "telecom_core",
        "UNDERSEA_CABLE": "undersea_cable",
        "MARITIME_DATA": "maritime_data",
        "DUAL_USE": "dual_use",
        "FOREIGN_STATE_INVESTOR": "foreign_state",
        "SURVEILLANCE": "surveillance",
        "CRITICAL_INFRASTRUCTURE": "critical_infrastructure",
        "INCOMPLETE_DISCLOSURE": "incomplete_disclosure",
    }
    vendor = found["HIGH_RISK_VENDOR"].reason["matches"][0]
    assert vendor["field"] == "participant" and vendor["position"] == 1
    assert vendor["name"] == "Huawei Technologies Co., Ltd."
    assert vendor["vendor"] == "Huawei Technologies"
    assert vendor["list"] == found["HIGH_RISK_VENDOR"].source
    state = found["FOREIGN_STATE_INVESTOR"].reason["participants"][0]
    assert state["country"] == "CN" and state["country_of_concern"] is True
    assert found["DUAL_USE"].reason["raised_by"] == ["5P2"]
    assert found["TELECOM_CORE"].reason["supplied_by"][0]["vendor"] == "Huawei Technologies"
    # reasons are JSON documents
    for flag in found.values():
        assert json.loads(json.dumps(flag.reason)) == flag.reason


def test_the_legend_covers_every_flag_in_both_languages():
    legend = rules.flag_legend()
    assert list(legend["flags"]) == toml_codes()
    for code, entry in legend["flags"].items():
        for language in ("en", "ja"):
            assert entry["meaning"][language].strip(), (code, language)
            assert entry["reviewer_checks"][language], (code, language)
        assert len(entry["reviewer_checks"]["en"]) == len(entry["reviewer_checks"]["ja"]), code
    pillars = rules_ruleset.seed_files()["rules"]["pillars"]
    assert {k: v["en"] for k, v in legend["pillars"].items()} == {
        k: v["description"] for k, v in pillars.items()
    }
    assert all(legend["pillars"][k]["ja"] for k in pillars)


def test_dual_use_severity_by_category(ruleset):
    assert flags(ruleset, export_control_categories=["3"])["DUAL_USE"].severity == "medium"
    assert flags(ruleset, export_control_categories=["3", "5P2"])["DUAL_USE"].severity == "high"
    assert flags(ruleset, technologies=[{"category": "quantum"}])["DUAL_USE"].severity == "medium"
    assert "DUAL_USE" not in flags(ruleset, technologies=[{"category": "port_automation"}])


def test_foreign_state_investor(ruleset):
    investor = {
        "name": "Far East Port Holdings",
        "role": "investor",
        "country": "CN",
        "state_owned": True,
    }
    hit = flags(ruleset, sectors=[{"code": "21040"}], participants=[investor])
    assert "from CN, a country of concern" in hit["FOREIGN_STATE_INVESTOR"].rationale
    big_stake = {**investor, "country": "SG", "stake_percentage": "35"}
    variant = flags(ruleset, sectors=[{"code": "23230"}], participants=[big_stake])
    assert "holding 35% (threshold 25%)" in variant["FOREIGN_STATE_INVESTOR"].rationale
    small = {**big_stake, "stake_percentage": "10"}
    assert "FOREIGN_STATE_INVESTOR" not in flags(
        ruleset, sectors=[{"code": "23230"}], participants=[small]
    )
    private = {**investor, "state_owned": False}
    assert "FOREIGN_STATE_INVESTOR" not in flags(
        ruleset, sectors=[{"code": "21040"}], participants=[private]
    )
    assert "FOREIGN_STATE_INVESTOR" not in flags(
        ruleset, sectors=[{"code": "11110"}], participants=[investor]
    )  # not a core sector
    domestic = {**investor, "country": "VN", "stake_percentage": "51"}
    assert "FOREIGN_STATE_INVESTOR" not in flags(
        ruleset, sectors=[{"code": "21040"}], participants=[domestic]
    )


def test_surveillance(ruleset):
    hit = flags(
        ruleset,
        technologies=[
            {
                "category": "surveillance_camera",
                "vendor": "Hangzhou Hikvision Digital Technology Co., Ltd.",
            }
        ],
    )
    assert hit["SURVEILLANCE"].severity == "high" and "Hikvision" in hit["SURVEILLANCE"].rationale
    assert "SURVEILLANCE" in flags(
        ruleset, technologies=[{"category": "surveillance_camera", "vendor": "DAHUA"}]
    )
    assert "SURVEILLANCE" not in flags(
        ruleset, technologies=[{"category": "surveillance_camera", "vendor": "Axis Communications"}]
    )


def test_critical_infrastructure_is_info(ruleset):
    hit = flags(ruleset, sectors=[{"code": "14020"}])["CRITICAL_INFRASTRUCTURE"]
    assert hit.severity == "info" and "14020 (water)" in hit.rationale
    assert "CRITICAL_INFRASTRUCTURE" not in flags(ruleset, sectors=[{"code": "11110"}])
    assert not rules.needs_review(rules.screen(record(sectors=[{"code": "14020"}]), ruleset))


def test_incomplete_disclosure(ruleset):
    hit = flags(
        ruleset, sectors=[{"code": "23230"}], participants=[{"name": "Ministry", "role": "funding"}]
    )
    assert hit["INCOMPLETE_DISCLOSURE"].severity == "medium"
    named = flags(ruleset, sectors=[{"code": "23230"}], participants=[supplier("Acme Solar")])
    assert "INCOMPLETE_DISCLOSURE" not in named
    vendor = flags(
        ruleset,
        sectors=[{"code": "21040"}],
        technologies=[{"category": "port_automation", "vendor": "Kalmar"}],
    )
    assert "INCOMPLETE_DISCLOSURE" not in vendor
    assert "INCOMPLETE_DISCLOSURE" not in flags(ruleset, sectors=[{"code": "21020"}])  # transport


def test_flags_sorted_most_severe_first(ruleset):
    result = rules.screen(
        record(sectors=[{"code": "22020"}], participants=[supplier("ZTE")]), ruleset
    )
    ranks = [rules.SEVERITY_RANK[f.severity] for f in result]
    assert ranks == sorted(ranks, reverse=True) and result[0].severity == "critical"


def test_admin_vendor_changes_the_ruleset_version():
    base = rules.load_ruleset()
    extended = rules.load_ruleset(
        [
            rules.ExtraVendor(
                1,
                "Nordwind Surveillance",
                "RU",
                ("surveillance",),
                ("Nordwind",),
                "Admin decision 2026-11",
            )
        ]
    )
    assert extended.version.startswith(base.version + "+local.1.")
    assert base.vendors.match("Nordwind Surveillance AG") is None
    assert extended.vendors.match("NORDWIND SURVEILLANCE AG").vendor.name == "Nordwind Surveillance"


# ---- the registry of checks: one function per rules.toml entry


def seed_files_copy() -> dict:
    return copy.deepcopy(rules_ruleset.seed_files())


def toml_codes() -> list[str]:
    return [entry["code"] for entry in rules_ruleset.seed_files()["rules"]["rules"]]


@pytest.fixture
def registry(monkeypatch):
    """A private copy of the check registry, so a test can register throwaway checks."""
    monkeypatch.setattr(rules_ruleset, "CHECKS", dict(rules_ruleset.CHECKS))
    return rules_ruleset.CHECKS


def test_every_rule_has_one_check_and_every_check_a_rule(ruleset):
    assert sorted(rules_ruleset.CHECKS) == sorted(toml_codes())
    assert list(ruleset.checks) == list(ruleset.rules) == toml_codes()
    assert ruleset.checks["TELECOM_CORE"] is checks.telecom_core


def test_a_rule_without_a_check_fails_loading():
    files = seed_files_copy()
    files["rules"]["rules"].append(
        {"code": "ORPHAN_RULE", "severity": "high", "pillar": "maritime", "description": "x"}
    )
    with pytest.raises(rules.RulesetError, match=r"ORPHAN_RULE in rules\.toml has no check"):
        rules.load_ruleset(files=files)


def test_a_check_without_a_rule_fails_loading(registry):
    files = seed_files_copy()
    files["rules"]["rules"] = [r for r in files["rules"]["rules"] if r["code"] != "MARITIME_DATA"]
    with pytest.raises(rules.RulesetError, match="MARITIME_DATA has no \\[\\[rules\\]\\] entry"):
        rules.load_ruleset(files=files)

    @rules_ruleset.check("STRAY_CHECK")
    def stray(context, rule, ruleset):
        return None

    with pytest.raises(rules.RulesetError, match="STRAY_CHECK"):
        rules.load_ruleset()


def test_a_code_cannot_have_two_checks(registry):
    with pytest.raises(rules.RulesetError, match="DUAL_USE has two check functions"):
        rules_ruleset.check("DUAL_USE")(lambda context, rule, ruleset: None)


def test_a_code_cannot_appear_twice_in_rules_toml():
    files = seed_files_copy()
    files["rules"]["rules"].append(dict(files["rules"]["rules"][2]))
    with pytest.raises(rules.RulesetError, match="UNDERSEA_CABLE appears twice"):
        rules.load_ruleset(files=files)


def test_a_new_rule_is_one_function_and_one_toml_entry(registry, ruleset):
    @rules_ruleset.check("DREDGING")
    def dredging(context, rule, ruleset):
        if any(a in rule.params["maritime_activities"] for a in context.maritime):
            return rules_ruleset.Finding("Dredging: maritime_activities 'dredging'.")
        return None

    files = seed_files_copy()
    files["rules"]["rules"].append(
        {
            "code": "DREDGING",
            "severity": "medium",
            "pillar": "maritime",
            "description": "The project dredges a seabed.",
            "maritime_activities": ["dredging"],
        }
    )
    extended = rules.load_ruleset(files=files)
    assert extended.version == ruleset.version  # the version comes from the files' versions
    assert extended.describe()["rules"][-1]["code"] == "DREDGING"
    result = rules.screen(record(maritime_activities=["dredging", "bathymetry"]), extended)
    assert [f.code for f in result] == ["MARITIME_DATA", "DREDGING"]  # most severe first
    assert dataclasses.asdict(result[1]) == {
        "code": "DREDGING",
        "severity": "medium",
        "pillar": "maritime",
        "rationale": "Dredging: maritime_activities 'dredging'.",
        "source": extended.rules_source,
        "ruleset_version": extended.version,
        "reason": None,
    }
    assert "DREDGING" not in {
        f.code for f in rules.screen(record(maritime_activities=["bathymetry"]), extended)
    }


def test_rules_toml_order_breaks_severity_ties(ruleset):
    busy = record(
        sectors=[{"code": "22020"}],
        maritime_activities=["undersea_cable_laying", "bathymetry"],
    )
    ties = ["TELECOM_CORE", "UNDERSEA_CABLE", "MARITIME_DATA"]
    assert [f.code for f in rules.screen(busy, ruleset) if f.severity == "high"] == ties
    files = seed_files_copy()
    files["rules"]["rules"].reverse()
    reordered = rules.screen(busy, rules.load_ruleset(files=files))
    assert [f.code for f in reordered if f.severity == "high"] == ties[::-1]


def test_a_flag_is_a_plain_frozen_dataclass(ruleset):
    flag = rules.screen(record(sectors=[{"code": "14020"}]), ruleset)[0]
    assert list(dataclasses.asdict(flag)) == [
        "code",
        "severity",
        "pillar",
        "rationale",
        "source",
        "ruleset_version",
        "reason",
    ]
    assert not hasattr(flag, "as_dict")
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.severity = "high"
