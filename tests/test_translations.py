"""The Japanese interface is complete and in step with the code.

* every string marked for translation (`_()`, `ngettext()`, `_l()`) is in messages.pot;
* every msgid there has a Japanese msgstr (not empty, not fuzzy, placeholders kept);
* the committed messages.mo is the compiled messages.po;
* every vocabulary entry has a `ja` name, every M49 region code a Japanese name, and every
  DAC sector and sector category a Japanese name.

When a UI string changes, from the repository root:
    pybabel extract -F babel.cfg -k _l -k lazy_gettext -o registry/translations/messages.pot .
    pybabel update -i registry/translations/messages.pot -d registry/translations
    (translate the new entries in registry/translations/ja/LC_MESSAGES/messages.po)
    pybabel compile -d registry/translations
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import request
from flask_babel import force_locale

from registry.web.helpers import page_problem

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "registry" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.mo"
BABEL_CFG = ROOT / "babel.cfg"
VOCABULARIES = ROOT / "seed" / "vocabularies.toml"
M49 = ROOT / "seed" / "reference" / "m49.csv"
M49_JA = ROOT / "seed" / "reference" / "m49_ja.csv"
REFERENCE = ROOT / "seed" / "reference"

# The keywords given to `pybabel extract` on top of babel's defaults.
EXTRA_KEYWORDS = {"_l": None, "lazy_gettext": None}
HOW_TO_UPDATE = (
    "re-run `pybabel extract -F babel.cfg -k _l -k lazy_gettext "
    "-o registry/translations/messages.pot .` and `pybabel update -i "
    "registry/translations/messages.pot -d registry/translations`, translate, "
    "then `pybabel compile -d registry/translations`"
)

# %(name)s, %d, %% … as Python's %-formatting reads them.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def _read_po(path: Path, locale: str | None = None):
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def _key(message) -> tuple:
    message_id = tuple(message.id) if isinstance(message.id, list) else message.id
    return (message_id, message.context)


def _ids(catalog) -> set[tuple]:
    return {_key(m) for m in catalog if m.id}


def _forms(value) -> tuple[str, ...]:
    """A msgstr as a tuple of its forms (babel gives plurals as tuples or lists)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def template():
    return _read_po(POT)


@pytest.fixture(scope="module")
def japanese():
    return _read_po(PO, locale="ja")


def test_every_marked_string_is_in_the_template(template):
    """Re-extract as babel.cfg says: the set of msgids must equal messages.pot's."""
    parse_cfg = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(BABEL_CFG, encoding="utf-8") as handle:
        method_map, options_map = parse_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}
    extracted = {
        (message, context)
        for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }
    assert extracted, "nothing was extracted: is babel.cfg right?"
    not_in_template = sorted(map(str, extracted - _ids(template)))
    stale = sorted(map(str, _ids(template) - extracted))
    assert not not_in_template and not stale, (
        f"messages.pot is out of date; {HOW_TO_UPDATE}.\n"
        f"Marked in the code but missing from messages.pot: {not_in_template}\n"
        f"In messages.pot but no longer in the code: {stale}"
    )


def test_every_message_has_a_japanese_translation(template, japanese):
    assert str(japanese.locale) == "ja"
    assert japanese.num_plurals == 1 and japanese.plural_expr == "0", japanese.plural_forms
    missing, fuzzy, empty, broken = [], [], [], []
    for source in template:
        if not source.id:
            continue
        message = japanese.get(source.id, source.context)
        if message is None:
            missing.append(source.id)
            continue
        if message.fuzzy:
            fuzzy.append(source.id)
        forms = _forms(message.string)
        if len(forms) != (japanese.num_plurals if source.pluralizable else 1) or not all(
            form and form.strip() for form in forms
        ):
            empty.append(source.id)
            continue
        # Same placeholders as the English (Japanese has one form: it uses the plural's).
        expected = _placeholders(_forms(source.id)[-1])
        for form in forms:
            if _placeholders(form) != expected or form.count("%") != sum(
                p.count("%") for p in expected
            ):
                broken.append((source.id, form))
    obsolete = [m.id for m in japanese if m.id and _key(m) not in _ids(template)]
    problems = {
        f"not in ja/messages.po ({HOW_TO_UPDATE})": missing,
        "fuzzy (check the translation, then drop `#, fuzzy`)": fuzzy,
        "untranslated": empty,
        "placeholders differ from the English": broken,
        "in ja/messages.po but not in messages.pot (run `pybabel update`)": obsolete,
    }
    assert not any(problems.values()), "\n".join(
        f"{what}: {items}" for what, items in problems.items() if items
    )


def test_catalog_passes_babel_checks(japanese):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in japanese.check()]
    assert not problems, problems


def test_compiled_catalog_is_up_to_date(japanese):
    """messages.mo holds exactly what `pybabel compile` makes of messages.po."""
    assert MO.exists(), "run `pybabel compile -d registry/translations`"
    with open(MO, "rb") as handle:
        compiled = read_mo(handle)
    # What write_mo (pybabel compile) puts in: translated, non-fuzzy messages.
    expected = {_key(m): _forms(m.string) for m in japanese if m.id and m.string and not m.fuzzy}
    actual = {_key(m): _forms(m.string) for m in compiled if m.id}
    stale = sorted(
        str(k[0]) for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    assert not stale, (
        f"messages.mo is stale; run `pybabel compile -d registry/translations`: {stale}"
    )


def test_every_vocabulary_entry_has_a_japanese_name():
    with open(VOCABULARIES, "rb") as handle:
        vocabularies = tomllib.load(handle)
    assert vocabularies
    missing = [
        f"{table}.{code}"
        for table, entries in vocabularies.items()
        for code, entry in entries.items()
        if not isinstance(entry.get("ja"), str) or not entry["ja"].strip()
    ]
    assert not missing, f"seed/vocabularies.toml entries without `ja`: {missing}"


def test_every_m49_region_has_a_japanese_name():
    with open(M49, newline="", encoding="utf-8") as handle:
        codes = {
            row[column]
            for row in csv.DictReader(handle)
            for column in ("region_code", "subregion_code", "intermediate_region_code")
            if row[column]
        }
    with open(M49_JA, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", "name_ja"]
        rows = list(reader)
    names = {row["code"]: row["name_ja"] for row in rows}
    assert len(names) == len(rows), "m49_ja.csv repeats a code"
    assert [row["code"] for row in rows] == sorted(names), "m49_ja.csv is not sorted by code"
    missing = sorted(code for code in codes if not (names.get(code) or "").strip())
    assert not missing, f"M49 codes without a Japanese name in m49_ja.csv: {missing}"


@pytest.mark.parametrize(
    ("english", "japanese"),
    [("sectors.csv", "sectors_ja.csv"), ("sector_categories.csv", "sector_categories_ja.csv")],
)
def test_every_dac_sector_and_category_has_a_japanese_name(english, japanese):
    """seed/reference/*_ja.csv: one Japanese name per code of the IATI list, in its order,
    written in Japanese (no English name copied over)."""
    with open(REFERENCE / english, newline="", encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    with open(REFERENCE / japanese, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", "name_ja"]
        rows = list(reader)
    assert [row["code"] for row in rows] == codes, f"{japanese} must list {english}'s codes"
    untranslated = [row for row in rows if not JAPANESE.search(row["name_ja"])]
    assert not untranslated, f"{japanese} names not in Japanese: {untranslated}"


def test_pages_are_served_in_japanese(client):
    """Flask-Babel finds the compiled catalog: `?lang=ja` gives a Japanese page."""
    response = client.get("/login?lang=ja")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ja">' in page
    assert "<h1>ログイン</h1>" in page and "メールアドレス" in page
    assert "<h1>Sign in</h1>" in client.get("/login?lang=en").get_data(as_text=True)


# Every problem a page's settings can meet, as the schemas and services name it.
PAGE_PROBLEMS = [
    ("country[0]", "invalid_country"),
    ("region[0]", "invalid_region"),
    ("sector[0]", "invalid_sector"),
    ("status[0]", "invalid_choice"),
    ("group_by", "invalid_choice"),
    ("updated_since", "invalid_datetime"),
    ("sort", "invalid_sort"),
    ("limit", "out_of_range"),
    ("q", "too_long"),
    ("reporting_org[0]", "invalid_characters"),
    ("cursor", "invalid_cursor"),
    ("include_withdrawn", "invalid_type"),
    ("convert_to", "invalid_currency"),
    ("rates line 2", "invalid_rate"),
    ("rates line 3", "invalid_currency"),
    ("rates", "empty"),
    ("group_by", "required"),
]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize(("field", "code"), PAGE_PROBLEMS)
def test_page_problems_are_told_in_the_pages_language(app, field, code):
    """Pages name the field by its label and say what to do, in English and in Japanese;
    never the API's wording (`status[0]: …`)."""
    service = {"field": field, "code": code, "message": "THE API'S MESSAGE"}
    name = field.split("[")[0]
    told = {}
    for language in ("en", "ja"):
        with app.test_request_context(f"/projects?{name}=x"), force_locale(language):
            told[language] = page_problem(service, request.args)
    english, japanese = told["en"], told["ja"]
    for problem in (english, japanese):
        assert problem["message"] != service["message"] and "[" not in problem["field"]
    assert not JAPANESE.search(english["field"] + english["message"])
    assert JAPANESE.search(japanese["field"]) and JAPANESE.search(japanese["message"])
