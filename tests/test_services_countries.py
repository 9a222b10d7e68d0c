"""Country metadata shared by the API, the pages and the exports."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry import reference
from registry.services import countries, projects
from registry.services.errors import NotFound
from tests.conftest import valid_project


def test_country_info_english():
    info = countries.country_info("vnm")
    assert info["alpha2"] == "VN" and info["alpha3"] == "VNM" and info["numeric"] == "704"
    assert info["name"] == "Viet Nam" or info["name"] == "Vietnam"
    assert info["official_name"] == "Socialist Republic of Viet Nam"
    assert info["flag"] == "\U0001f1fb\U0001f1f3"
    assert info["currencies"] == [{"code": "VND", "name": "Dong"}]
    assert info["region"] == {"code": "142", "name": "Asia"}
    assert info["subregion"] == {"code": "035", "name": "South-eastern Asia"}
    assert info["subdivision_count"] == len(info["subdivisions"]) > 50
    assert {"code": "VN-HP", "name": "Hải Phòng", "type": "Municipality", "parent": None} in info[
        "subdivisions"
    ]


def test_country_info_japanese_names_from_pycountry():
    info = countries.country_info("JP", "ja")
    assert info["name"] == "日本"
    assert countries.country_info("VN", "ja")["name"] == "ベトナム"
    assert countries.country_info("VN", "ja")["currencies"][0]["name"] != "Dong"


def test_unknown_country_not_found():
    with pytest.raises(NotFound, match="'XX' is not an ISO 3166-1 country code"):
        countries.country_info("XX")


def test_every_country_has_a_region_row_and_currency_row():
    codes = {c["alpha2"] for c in countries.country_list()}
    assert len(codes) == 249
    assert codes == set(reference.regions()) == set(reference.country_currencies())


def test_region_membership():
    assert "VN" in reference.countries_in_region("035")
    assert "VN" in reference.countries_in_region("142")
    assert "JP" not in reference.countries_in_region("035")
    assert reference.region_names()["035"] == "South-eastern Asia"


def test_sector_reference_marks_withdrawn_and_groups():
    sectors = reference.sectors()
    assert sectors["15140"].withdrawn and not sectors["21040"].withdrawn
    assert sectors["21040"].group == "ports" and sectors["21020"].group == "transport"
    assert sectors["22020"].group == "telecoms_ict" and sectors["23230"].group == "energy"
    assert sectors["14020"].group == "water" and sectors["11110"].group == "other"


# ---- the list page: regions and filters


def test_region_choices_are_a_named_tree():
    tree = countries.region_choices()
    assert [r["code"] for r in tree] == ["002", "019", "142", "150", "009"]  # by name
    asia = next(r for r in tree if r["code"] == "142")
    assert {"code": "035", "name": "South-eastern Asia", "depth": 1, "children": []} in asia[
        "children"
    ]
    africa = next(r for r in tree if r["code"] == "002")
    sub_saharan = next(r for r in africa["children"] if r["code"] == "202")
    assert "014" in {r["code"] for r in sub_saharan["children"]}  # Eastern Africa
    ja = countries.region_choices("ja")
    assert next(r for r in ja if r["code"] == "142")["name"] == "アジア"


def test_country_index_filters(app, ministry):
    projects.project_create(valid_project(), ministry)
    assert [c["alpha2"] for c in countries.country_index()] == ["VN"]
    everything = countries.country_index(include_empty=True)
    assert len(everything) == 249 and everything[0]["alpha2"] == "VN"
    assert [c["alpha2"] for c in countries.country_index(region="150")] == []
    assert "FR" in {c["alpha2"] for c in countries.country_index(region="150", include_empty=True)}
    found = countries.country_index("ja", name="ベトナム")
    assert [c["alpha2"] for c in found] == ["VN"]
    assert [c["alpha2"] for c in countries.country_index(name="  viet  nam ")] == ["VN"]
    assert [c["alpha2"] for c in countries.country_index(name="ＶＮ")] == ["VN"]  # full width
    assert [c["alpha2"] for c in countries.country_index(name="cote", include_empty=True)] == ["CI"]


# ---- the country page's chart


def test_committed_chart_adds_up_to_the_committed_totals(app, ministry):
    records = [
        dict(finance={"amount": "100.01", "currency": "USD", "instrument": "loan"}),
        dict(
            status="closed",
            recipient_countries=[
                {"code": "VN", "percentage": 33.33},
                {"code": "LA", "percentage": 66.67},
            ],
            sectors=[{"code": "21040"}, {"code": "22020"}, {"code": "23230"}],
            finance={"amount": "1000.00", "currency": "USD", "instrument": "grant"},
        ),
        dict(
            sectors=[{"code": "22020"}],
            finance={"amount": "5", "currency": "JPY", "instrument": "loan"},
            dates={"planned_start": "2019-01-01", "planned_end": "2020-01-01"},
        ),
        dict(
            status="pipeline", finance={"amount": "7.00", "currency": "EUR", "instrument": "loan"}
        ),
    ]
    for number, record in enumerate(records):
        projects.project_create(valid_project(identifier=f"JP-S-{number}", **record), ministry)
    charts = countries.committed_by_sector_year("VN", ministry)
    assert [c["currency"] for c in charts] == ["JPY", "USD"]  # the pipeline's EUR is not drawn
    committed = countries.country_project_stats("VN")["VN"]["committed"]
    for chart in charts:
        assert chart["total"] == committed[chart["currency"]]
        assert chart["total"] == sum(s["total"] for s in chart["sectors"])
        for sector in chart["sectors"]:
            assert sector["total"] == sum(y["amount"] for y in sector["years"])
    usd = {s["category"]: s for s in charts[1]["sectors"]}
    # 100.01 all in 210 (2024); 333.30 of 1000.00 in VN, split by 33.34%, 33.33%, 33.33%:
    # 111.12 + 111.09 + 111.09.
    assert usd["210"]["total"] == Decimal("211.13") and usd["220"]["total"] == Decimal("111.09")
    assert [y["year"] for y in usd["210"]["years"]] == [2024]
    assert len(usd["210"]["project_ids"]) == 2
    jpy = charts[0]["sectors"]
    assert jpy[0]["years"] == [
        {"year": 2019, "amount": Decimal("5.00"), "project_ids": jpy[0]["project_ids"]}
    ]
    assert countries.committed_by_sector_year("FR", ministry) == []
