"""Reference data read from `seed/`: vocabularies, DAC sectors, M49 regions, currencies
and their ISO 4217 minor units.

Loaded once per process and shared by validation, the services and the exports.
The files are the single source; `flask seed reference` copies the country and
sector tables into the database so SQL can group by region and sector group.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
REFERENCE_DIR = SEED_DIR / "reference"


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    category: str
    category_name: str
    group: str
    withdrawn: bool


@dataclass(frozen=True)
class Region:
    """The UN M49 placement of one country (codes are 3-digit strings, may be empty)."""

    region_code: str
    region_name: str
    subregion_code: str
    subregion_name: str
    intermediate_code: str
    intermediate_name: str

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(
            c for c in (self.region_code, self.subregion_code, self.intermediate_code) if c
        )


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def vocabularies() -> dict[str, dict[str, dict]]:
    """`seed/vocabularies.toml`: each vocabulary maps code → {name, …}, in file order."""
    with open(SEED_DIR / "vocabularies.toml", "rb") as handle:
        return tomllib.load(handle)


def vocabulary(name: str) -> tuple[str, ...]:
    return tuple(vocabularies()[name])


@cache
def sector_groups() -> dict[str, str]:
    """DAC code prefix (3 or 5 digits) → infrastructure sector group."""
    return {row["prefix"]: row["group"] for row in _read_csv("sector_groups.csv")}


def sector_group_of(code: str) -> str:
    groups = sector_groups()
    return groups.get(code) or groups.get(code[:3]) or "other"


@cache
def exchange_rates() -> dict[str, Decimal]:
    """ISO 4217 code → units per US dollar (seed/reference/EXCHANGE_RATES.md says of when)."""
    return {
        row["currency"]: Decimal(row["units_per_usd"]) for row in _read_csv("exchange_rates.csv")
    }


@cache
def sector_categories() -> dict[str, str]:
    """DAC 3-digit category code → name."""
    return {row["code"]: row["name"] for row in _read_csv("sector_categories.csv")}


@cache
def sectors() -> dict[str, Sector]:
    """DAC 5-digit purpose code → Sector, withdrawn codes included (and marked)."""
    categories = sector_categories()
    return {
        row["code"]: Sector(
            code=row["code"],
            name=row["name"],
            category=row["category"],
            category_name=categories.get(row["category"], ""),
            group=sector_group_of(row["code"]),
            withdrawn=row["status"] == "withdrawn",
        )
        for row in _read_csv("sectors.csv")
    }


@cache
def regions() -> dict[str, Region]:
    """Country alpha-2 → its M49 region, sub-region and intermediate region."""
    return {
        row["alpha2"]: Region(
            row["region_code"],
            row["region_name"],
            row["subregion_code"],
            row["subregion_name"],
            row["intermediate_region_code"],
            row["intermediate_region_name"],
        )
        for row in _read_csv("m49.csv")
    }


@cache
def region_names() -> dict[str, str]:
    """Every M49 region, sub-region and intermediate-region code → name."""
    names: dict[str, str] = {}
    for r in regions().values():
        for code, name in (
            (r.region_code, r.region_name),
            (r.subregion_code, r.subregion_name),
            (r.intermediate_code, r.intermediate_name),
        ):
            if code:
                names[code] = name
    return dict(sorted(names.items()))


def countries_in_region(code: str) -> list[str]:
    """The alpha-2 codes of the countries inside an M49 region at any level."""
    return sorted(a2 for a2, region in regions().items() if code in region.codes)


@cache
def country_currencies() -> dict[str, tuple[str, ...]]:
    """Country alpha-2 → ISO 4217 codes in circulation there, the country's own first."""
    return {
        row["alpha2"]: tuple(c for c in row["currencies"].split(";") if c)
        for row in _read_csv("country_currencies.csv")
    }


@cache
def currency_minor_units() -> dict[str, int | None]:
    """ISO 4217 code → its minor unit: the decimal places of its amounts (JPY 0, USD 2, KWD 3);
    None where ISO 4217 says N.A. (gold, SDR, test codes). seed/reference/SOURCES.md says
    where the values come from."""
    return {
        row["currency"]: int(row["minor_unit"]) if row["minor_unit"] else None
        for row in _read_csv("currency_minor_units.csv")
    }


def minor_unit(currency: str) -> int | None:
    """The ISO 4217 minor unit of a currency; None when ISO gives none or the code is unknown."""
    return currency_minor_units().get(currency)


@cache
def organisation_types() -> dict[str, str]:
    """IATI OrganisationType code → name."""
    return {row["code"]: row["name"] for row in _read_csv("organisation_types.csv")}


def label(vocabulary_name: str, code: str, language: str = "en") -> str:
    """The display name of a vocabulary code, in Japanese where seed/vocabularies.toml has one."""
    entry = vocabularies().get(vocabulary_name, {}).get(code)
    if entry is None:
        return code
    return entry.get(language) or entry.get("name") or code


@cache
def region_names_ja() -> dict[str, str]:
    """M49 region code → Japanese name (seed/reference/m49_ja.csv)."""
    path = REFERENCE_DIR / "m49_ja.csv"
    if not path.exists():
        return {}
    return {row["code"]: row["name_ja"] for row in _read_csv("m49_ja.csv")}


@cache
def sector_names_ja() -> dict[str, str]:
    """DAC 5-digit purpose code → Japanese name (seed/reference/sectors_ja.csv)."""
    return {row["code"]: row["name_ja"] for row in _read_csv("sectors_ja.csv")}


@cache
def sector_category_names_ja() -> dict[str, str]:
    """DAC 3-digit category code → Japanese name (seed/reference/sector_categories_ja.csv)."""
    return {row["code"]: row["name_ja"] for row in _read_csv("sector_categories_ja.csv")}


def sector_name(code: str, language: str = "en") -> str:
    """A DAC purpose code's name in English or Japanese; the code itself if unknown."""
    if language == "ja" and code in sector_names_ja():
        return sector_names_ja()[code]
    sector = sectors().get(code)
    return sector.name if sector else code


def sector_category_name(code: str, language: str = "en") -> str:
    """A DAC 3-digit category's name in English or Japanese; the code itself if unknown."""
    if language == "ja" and code in sector_category_names_ja():
        return sector_category_names_ja()[code]
    return sector_categories().get(code, code)


def region_name(code: str, language: str = "en") -> str:
    if language == "ja" and code in region_names_ja():
        return region_names_ja()[code]
    return region_names().get(code, code)
