"""Names of countries, currencies, subdivisions and regions in English or Japanese.

pycountry's ISO data and its own translations, plus the M49 names in `seed/`; one
place for every face and export. A pure leaf: no Flask, no database.
"""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from registry import reference

# The interface languages (seed/vocabularies.toml `languages`): English first, the default.
LANGUAGES = reference.vocabulary("languages")


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else LANGUAGES[0]


@cache
def _translator(domain: str, language: str):
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def translate(domain: str, text: str, language: str) -> str:
    """pycountry's own translation of an ISO name (domains iso3166-1, iso3166-2, iso4217)."""
    return _translator(domain, language).gettext(text) if text else text


def country_from_code(value) -> pycountry.db.Country | None:
    """Look up an ISO 3166-1 country by alpha-2, alpha-3 or numeric code, in any case."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit() and len(text) <= 3:
        return pycountry.countries.get(numeric=text.zfill(3))
    if len(text) == 2 and text.isalpha():
        return pycountry.countries.get(alpha_2=text.upper())
    if len(text) == 3 and text.isalpha():
        return pycountry.countries.get(alpha_3=text.upper())
    return None


@cache
def country_name(alpha2: str, language: str = "en") -> str:
    """The common name of a country (`Vietnam`, `ベトナム`); the code itself if unknown."""
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return alpha2
    name = getattr(country, "common_name", None) or country.name
    # pycountry's catalogues translate the ISO short name, not always the common one.
    translated = translate("iso3166-1", name, language)
    if translated == name and language != "en":
        translated = translate("iso3166-1", country.name, language)
    return translated


def country_flag(alpha2: str) -> str:
    """The country's flag emoji, or nothing for an unknown code."""
    country = pycountry.countries.get(alpha_2=alpha2)
    return getattr(country, "flag", "") if country else ""


def currency_name(code: str, language: str = "en") -> str:
    currency = pycountry.currencies.get(alpha_3=code)
    return translate("iso4217", currency.name, language) if currency else code


def subdivision_name(code: str, language: str = "en") -> str:
    subdivision = pycountry.subdivisions.get(code=code)
    return translate("iso3166-2", subdivision.name, language) if subdivision else code


def sector_name(code: str, language: str = "en") -> str:
    """A DAC purpose code's name (`Telecommunications`, `電気通信`); the code if unknown."""
    return reference.sector_name(code, language)


def sector_category_name(code: str, language: str = "en") -> str:
    """A DAC 3-digit category's name (`Communications`, `通信`); the code if unknown."""
    return reference.sector_category_name(code, language)
