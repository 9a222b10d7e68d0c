"""Country metadata shared by the API, the pages and the exports."""

from __future__ import annotations

import pytest

from registry import reference
from registry.services import countries
from registry.services.errors import NotFound


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
