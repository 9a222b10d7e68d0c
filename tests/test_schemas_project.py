"""The input schemas on their own: amounts in their currency's minor unit, plain decimal
numbers, and text fields that refuse lone surrogates and, in identifiers and codes, invisible
format characters."""

from __future__ import annotations

import csv
from decimal import Decimal

import pycountry
import pytest
from marshmallow import ValidationError

from registry import reference
from schemas.accounts import OrganisationSchema, TokenIssueSchema, UserSchema
from schemas.errors import flatten
from schemas.fields import Number, without_format_characters
from schemas.project import FinanceSchema, ProjectSchema
from schemas.query import ProjectQueryArgsSchema
from schemas.reviews import ReviewDecisionSchema
from schemas.vendors import VendorEntrySchema
from tests.conftest import valid_project

SURROGATE = "\ud800"
# Invisible format characters (Unicode category Cf) an identifier could hide.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u202e", "\u2066", "\u2060", "\ufeff", "\xad"]


def problems(schema, payload) -> list[dict]:
    try:
        schema.load(payload)
    except ValidationError as error:
        return flatten(error.messages)
    return []


def only(schema, payload) -> dict:
    found = problems(schema, payload)
    assert len(found) == 1, found
    return found[0]


# ---- ISO 4217 minor units: seed/reference/currency_minor_units.csv


def test_minor_units_cover_every_currency_once_sorted():
    with open(reference.REFERENCE_DIR / "currency_minor_units.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["currency", "minor_unit"]
    codes = [row[0] for row in rows[1:]]
    assert codes == sorted(set(codes))
    assert set(codes) == {c.alpha_3 for c in pycountry.currencies}
    assert {row[1] for row in rows[1:]} <= {"", "0", "2", "3", "4"}


@pytest.mark.parametrize(
    "currency, unit",
    [
        ("JPY", 0),
        ("KRW", 0),
        ("VND", 0),
        ("CLP", 0),
        ("XOF", 0),
        ("USD", 2),
        ("EUR", 2),
        # Where CLDR (Babel's get_currency_precision) says 0 and ISO 4217 says 2 or 3:
        ("HUF", 2),
        ("IDR", 2),
        ("COP", 2),
        ("IQD", 3),
        ("ISK", 0),  # 0 in both
        ("KWD", 3),
        ("BHD", 3),
        ("OMR", 3),
        ("JOD", 3),
        ("TND", 3),
        ("LYD", 3),
        ("CLF", 4),
        ("XAU", None),  # ISO: N.A.
        ("XDR", None),
        ("ABC", None),  # not a currency
    ],
)
def test_minor_unit_is_iso_4217s(currency, unit):
    assert reference.minor_unit(currency) == unit


def finance(amount, currency="USD"):
    return {"amount": amount, "currency": currency, "instrument": "grant"}


def test_yen_with_cents_refused_naming_the_currency_and_its_minor_unit():
    problem = only(FinanceSchema(), finance("1234567.89", "JPY"))
    assert problem == {
        "field": "amount",
        "code": "too_precise",
        "message": "JPY has no minor unit: give a whole amount (ISO 4217 minor unit 0); "
        "got 1234567.89.",
    }


@pytest.mark.parametrize(
    "amount, currency",
    [
        ("1234567", "JPY"),
        ("1234567.00", "JPY"),  # what the API writes back (two places): a round trip works
        (1234567, "KRW"),
        (Decimal("1E+3"), "JPY"),
        ("1234567.89", "USD"),
        ("1234567.8", "EUR"),
        ("1.23", "KWD"),
        ("1.5", "XAU"),  # no ISO minor unit: the storage's two places
    ],
)
def test_amounts_within_their_currencys_places_accepted(amount, currency):
    assert FinanceSchema().load(finance(amount, currency))["amount"] == Decimal(amount)


@pytest.mark.parametrize("amount", ["0.5", "100.01", "1000.10", 0.5])
def test_whole_currencies_refuse_any_fraction(amount):
    for currency in ("JPY", "KRW", "VND", "ISK"):
        problem = only(FinanceSchema(), finance(amount, currency))
        assert problem["code"] == "too_precise" and problem["message"].startswith(
            f"{currency} has no minor unit"
        )


def test_three_place_currencies_refuse_a_third_place_the_storage_cannot_keep():
    problem = only(FinanceSchema(), finance("1.234", "KWD"))
    assert problem == {
        "field": "amount",
        "code": "too_precise",
        "message": "KWD has 3 decimal places (ISO 4217 minor unit 3), but the registry keeps "
        "amounts to 2 decimal places; give the amount rounded to 2 places; got 1.234.",
    }
    assert only(FinanceSchema(), finance("1.005", "BHD"))["message"].startswith("BHD has 3")
    # Other currencies: the message it always had.
    assert only(FinanceSchema(), finance("1.005", "USD"))["message"] == (
        "Must have at most 2 decimal places; got 1.005."
    )


def test_precision_still_checked_when_the_currency_is_wrong():
    found = problems(FinanceSchema(), finance("1.005", "ABC"))
    assert {(p["field"], p["code"]) for p in found} == {
        ("amount", "too_precise"),
        ("currency", "invalid_currency"),
    }
    found = problems(FinanceSchema(), finance("1.5", "jpy"))  # a code in any case
    assert [(p["field"], p["code"]) for p in found] == [("amount", "too_precise")]


def test_finance_error_path_in_a_project():
    found = problems(ProjectSchema(), valid_project(finance=finance("12.5", "JPY")))
    assert [(p["field"], p["code"]) for p in found] == [("finance.amount", "too_precise")]


# ---- plain decimal numbers


@pytest.mark.parametrize(
    "text, reason",
    [
        ("1_000", "has separators (, _ ' or spaces) between digits"),
        ("1,000", "has separators (, _ ' or spaces) between digits"),
        ("1 000", "has separators (, _ ' or spaces) between digits"),
        ("\u0661\u0662\u0663", "has digits other than 0-9"),  # Arabic-Indic ١٢٣
        ("\u06f1\u06f2", "has digits other than 0-9"),  # Extended Arabic-Indic
        ("\uff11\uff12", "has digits other than 0-9"),  # full-width
        ("\u0967\u0968", "has digits other than 0-9"),  # Devanagari
        (" 5", "has whitespace around it"),
        ("5 ", "has whitespace around it"),
        ("5\n", "has whitespace around it"),
        ("+5", "has a plus sign"),
        ("1e3", "has an exponent"),
        ("2.5E-1", "has an exponent"),
        (".5", "is not a decimal number"),
        ("5.", "is not a decimal number"),
        ("1.2.3", "is not a decimal number"),
        ("NaN", "is not a decimal number"),
        ("Infinity", "is not a decimal number"),
        ("", "is not a decimal number"),
    ],
)
def test_loose_decimal_text_refused_not_guessed(text, reason):
    with pytest.raises(ValidationError) as raised:
        Number(minimum=0).deserialize(text)
    problem = raised.value.messages[0]
    assert problem.code == "invalid_number"
    assert problem == (
        f"{text!r} {reason}; write a plain decimal number: digits 0-9 with an optional minus "
        "sign and decimal point (for example 1250000.50)."
    )


@pytest.mark.parametrize(
    "value, exact",
    [
        ("1000", "1000"),
        ("0.50", "0.50"),
        ("007", "7"),
        ("-0", "0"),
        ("-12.5", "-12.5"),
        (12, "12"),
        (0.1, "0.1"),
        # A JSON number is JSON's own grammar, exponent included (parsed as an exact Decimal).
        (Decimal("1E+3"), "1E+3"),
    ],
)
def test_plain_decimals_and_json_numbers_accepted(value, exact):
    assert Number().deserialize(value) == Decimal(exact)


def test_loose_number_in_a_project_names_the_field():
    record = valid_project(
        finance=finance("1_000"),
        locations=[{"name": "Tien Sa", "latitude": " 16.12", "longitude": "+108.21"}],
        recipient_countries=[{"code": "VN", "percentage": "\u0661\u0660\u0660"}],
    )
    found = problems(ProjectSchema(), record)
    assert {(p["field"], p["code"]) for p in found} == {
        ("finance.amount", "invalid_number"),
        ("locations[0].latitude", "invalid_number"),
        ("locations[0].longitude", "invalid_number"),
        ("recipient_countries[0].percentage", "invalid_number"),
    }


def test_a_long_loose_number_is_not_echoed_whole():
    problem = only(FinanceSchema(), finance("9" * 30 + "x" * 1000))
    assert len(problem["message"]) < 200 and problem["message"].startswith(f"'{'9' * 30}")


# ---- lone surrogates: refused by every text field, the field named


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": f"Port {SURROGATE} upgrade"}, "title"),
        ({"description": SURROGATE}, "description"),
        ({"identifier": f"JP-{SURROGATE}"}, "identifier"),
        ({"tags": ["ports", f"x{SURROGATE}"]}, "tags[1]"),
        (
            {"participants": [{"name": f"A{SURROGATE}", "role": "contractor"}]},
            "participants[0].name",
        ),
        (
            {"technologies": [{"category": "other", "vendor": f"{SURROGATE}V"}]},
            "technologies[0].vendor",
        ),
        (
            {"locations": [{"name": f"Pier {SURROGATE}", "latitude": "1", "longitude": "2"}]},
            "locations[0].name",
        ),
    ],
)
def test_surrogate_refused_in_project_text(overrides, field):
    problem = only(ProjectSchema(), valid_project(**overrides))
    assert (problem["field"], problem["code"]) == (field, "invalid_characters")
    assert "lone UTF-16 surrogate, U+D800 at position" in problem["message"]


@pytest.mark.parametrize("low", ["\udc00", "\udfff", "\ud83d"])
def test_every_lone_surrogate_refused_but_a_pair_is_a_character(low):
    assert only(ProjectSchema(), valid_project(title=f"Port {low}x"))["code"] == (
        "invalid_characters"
    )
    emoji = "Port \U0001f6a2 upgrade"  # what the pair "\ud83d\udea2" decodes to in JSON
    assert ProjectSchema().load(valid_project(title=emoji))["title"] == emoji


@pytest.mark.parametrize(
    "schema, payload, field",
    [
        (ProjectQueryArgsSchema(), {"q": f"port{SURROGATE}"}, "q"),
        (ProjectQueryArgsSchema(), {"reporting_org": [f"JP-GOV-1{SURROGATE}"]}, "reporting_org[0]"),
        (ProjectQueryArgsSchema(), {"cursor": SURROGATE}, "cursor"),
        (ReviewDecisionSchema(), {"status": "cleared", "note": f"ok {SURROGATE}"}, "note"),
        (
            VendorEntrySchema(),
            {"name": f"Nord{SURROGATE}wind", "categories": ["surveillance"], "source": "x"},
            "name",
        ),
        (
            VendorEntrySchema(),
            {
                "name": "Nordwind Optics",
                "aliases": ["Nordwind", f"N{SURROGATE}W"],
                "categories": ["surveillance"],
                "source": "x",
            },
            "aliases[1]",
        ),
        (
            VendorEntrySchema(),
            {"name": "Nordwind", "categories": ["surveillance"], "source": f"{SURROGATE}"},
            "source",
        ),
        (
            OrganisationSchema(),
            {"ref": "JP-GOV-1", "name": f"M{SURROGATE}", "country": "JP", "type": "10"},
            "name",
        ),
        (
            OrganisationSchema(),
            {"ref": f"JP-GOV-1{SURROGATE}", "name": "M", "country": "JP", "type": "10"},
            "ref",
        ),
        (
            OrganisationSchema(),
            {"ref": "JP-GOV-1", "name": "M", "country": "JP", "type": f"10{SURROGATE}"},
            "type",
        ),
        (
            UserSchema(),
            {"email": f"a{SURROGATE}@example.org", "role": "reviewer", "password": "x" * 12},
            "email",
        ),
        (TokenIssueSchema(), {"org": "JP-GOV-1", "name": f"ci {SURROGATE}"}, "name"),
        (TokenIssueSchema(), {"user": f"{SURROGATE}@example.org"}, "user"),
    ],
)
def test_surrogate_refused_wherever_text_enters(schema, payload, field):
    problem = only(schema, payload)
    assert (problem["field"], problem["code"]) == (field, "invalid_characters")
    assert "lone UTF-16 surrogate" in problem["message"]


def test_surrogate_in_a_password_refused_without_saying_where():
    payload = {"email": "a@example.org", "role": "reviewer", "password": f"correct{SURROGATE}horse"}
    problem = only(UserSchema(), payload)
    assert problem == {
        "field": "password",
        "code": "invalid_characters",
        "message": "Contains a lone UTF-16 surrogate which is not a Unicode character; "
        "send the text as valid UTF-8 (surrogates only in pairs).",
    }


def test_an_alias_that_is_not_a_string_is_refused_not_a_crash():
    payload = {"name": "Nordwind", "aliases": [12], "categories": ["surveillance"], "source": "x"}
    assert only(VendorEntrySchema(), payload)["code"] == "invalid_type"


# ---- invisible format characters: refused in identifiers and codes, kept in free text


@pytest.mark.parametrize("char", INVISIBLE)
def test_format_character_refused_in_the_identifier(char):
    problem = only(ProjectSchema(), valid_project(identifier=f"REL-{char}bec0df"))
    assert (problem["field"], problem["code"]) == ("identifier", "invalid_characters")
    assert problem["message"].startswith(
        f"Must not contain invisible formatting characters; found U+{ord(char):04X} ("
    )
    assert problem["message"].endswith(
        "at position 4. Identifiers and codes take visible characters only."
    )


def test_zero_width_space_message_names_it():
    problem = only(ProjectSchema(), valid_project(identifier="REL-\u200bbec0df"))
    assert problem["message"] == (
        "Must not contain invisible formatting characters; found U+200B (ZERO WIDTH SPACE) "
        "at position 4. Identifiers and codes take visible characters only."
    )


@pytest.mark.parametrize(
    "schema, payload, field",
    [
        (ProjectSchema(), valid_project(tags=["ports", "po\u200brts"]), "tags[1]"),
        (ProjectQueryArgsSchema(), {"reporting_org": ["JP-GOV-1\u200b"]}, "reporting_org[0]"),
        (ProjectQueryArgsSchema(), {"cursor": "abc\u202e"}, "cursor"),
        (
            OrganisationSchema(),
            {"ref": "JP-\u200bGOV-1", "name": "M", "country": "JP", "type": "10"},
            "ref",
        ),
        (
            OrganisationSchema(),
            {"ref": "JP-GOV-1", "name": "M", "country": "JP", "type": "1\u200b0"},
            "type",
        ),
        (
            UserSchema(),
            {"email": "re\u200bviewer@example.org", "role": "reviewer", "password": "x" * 12},
            "email",
        ),
        (TokenIssueSchema(), {"org": "JP-GOV-1\ufeff"}, "org"),
    ],
)
def test_format_characters_refused_in_identifiers_and_codes(schema, payload, field):
    problem = only(schema, payload)
    assert (problem["field"], problem["code"]) == (field, "invalid_characters")
    assert "invisible formatting characters" in problem["message"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"recipient_countries": [{"code": "V\u200bN"}]}, "recipient_countries[0].code"),
        ({"sectors": [{"code": "21040\u200b"}]}, "sectors[0].code"),
        ({"status": "implementation\u200b"}, "status"),
        ({"finance": finance("10", "US\u200bD")}, "finance.currency"),
        ({"maritime_activities": ["port_construction\u2060"]}, "maritime_activities[0]"),
        (
            {
                "locations": [
                    {"name": "x", "latitude": "1", "longitude": "2", "subdivision": "VN-DN\u200b"}
                ]
            },
            "locations[0].subdivision",
        ),
    ],
)
def test_codes_from_a_list_refuse_format_characters_too(overrides, field):
    problem = only(ProjectSchema(), valid_project(**overrides))
    assert problem["field"] == field
    assert "\\u200b" in problem["message"] or "\\u2060" in problem["message"]  # shown, escaped


def test_format_characters_kept_in_free_text():
    text = {
        "title": "Port\u200b upgrade \u202eright-to-left\u202c",
        "description": "soft\xadhyphen and \ufeffBOM",
        "participants": [{"name": "Hua\u200bwei Marine", "role": "supplier"}],
        "technologies": [{"category": "other", "vendor": "\u2066ZTE\u2069"}],
        "locations": [{"name": "Da\u200dNang", "latitude": "1", "longitude": "2"}],
    }
    loaded = ProjectSchema().load(valid_project(**text))
    assert loaded["title"] == text["title"] and loaded["description"] == text["description"]
    assert loaded["participants"][0]["name"] == "Hua\u200bwei Marine"
    assert loaded["technologies"][0]["vendor"] == "\u2066ZTE\u2069"
    assert loaded["locations"][0]["name"] == "Da\u200dNang"
    note = ReviewDecisionSchema().load({"status": "cleared", "note": "ok\u200b"})["note"]
    assert note == "ok\u200b"


def test_search_words_are_read_without_format_characters():
    assert ProjectQueryArgsSchema().load({"q": "Hua\u200bwei\u00ad"})["q"] == "Huawei"
    assert without_format_characters("Hua\u200bwei \u202eMarine\u202c") == "Huawei Marine"
    assert without_format_characters("Da Nang 港") == "Da Nang 港"


def test_limit_takes_ascii_digits_only():
    assert ProjectQueryArgsSchema().load({"limit": "50"})["limit"] == 50
    for limit in ("\u0665\u0660", "\uff15\uff10"):  # ٥٠ and ５０
        problem = only(ProjectQueryArgsSchema(), {"limit": limit})
        assert (problem["field"], problem["code"]) == ("limit", "out_of_range")
