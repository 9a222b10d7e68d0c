"""Finding English sentences left on a Japanese page: what the page and browser tests of
the Japanese interface share.

A page's visible text (text nodes and the attributes people read: title, placeholder,
aria-label, alt, button values) is taken apart from its data: project titles and
descriptions, names of organisations, participants, places and vendors, e-mail addresses,
URLs and codes. What is left must hold no run of two or more English words: a run like
that is a sentence or a label nobody translated.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pycountry

from registry.csv_cells import EXPLODED_COLUMNS, PROJECT_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed"

# Elements whose text is code, not prose, and elements that are not shown.
SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "template", "noscript"}
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

# Words and phrases that stay as they are in a Japanese text: names of standards, formats
# and bodies, and the language switch.
ALLOWED_PHRASES = (
    "OECD DAC",
    "UN M49",
    "ISO 3166-1",
    "ISO 3166-2",
    "ISO 4217",
    "ISO 8601",
    "UTF-8",
    "IATI Standard",
    "Creative Commons",
    "Microsoft Excel",
    "Idempotency-Key",
    "English",
    "currency,units_per_usd",
)
ALLOWED_WORDS = {
    "API",
    "CSV",
    "IATI",
    "JSON",
    "XML",
    "BOM",
    "Excel",
    "OECD",
    "DAC",
    "ISO",
    "UN",
    "M49",
    "ID",
    "URL",
    "HTTP",
    "ICT",
    "SME",
    "SALW",
    "CCS",
    "NCDs",
    "NGO",
    "HIV",
    "COVID",
    "OK",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"(?:https?://|/)[\w\-./?=&%#:~+]+")
# Codes: ISO and DAC codes, flag codes (CRITICAL_INFRASTRUCTURE), identifiers (JP-GOV-1-…),
# numbers, amounts and anything written with digits.
CODE = re.compile(r"\b(?:[A-Z0-9][A-Z0-9_\-./]*[0-9_\-][A-Z0-9_\-./]*|[A-Z]{2,}|\w*\d\w*)\b")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# Two or more English words with nothing between them but spaces (and the marks inside a
# sentence: commas, hyphens, brackets, colons).
RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[\s,;:()\-–—/\"“”]+[A-Za-z][A-Za-z'’]*)+")
# An identifier left raw on a page (`cleared_with_conditions`): a code someone forgot to
# turn into its label.
RAW_IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
DATA_MARK = "■"
# Column names of the CSV files: a preview of a file shows them as they are in the file.
CSV_COLUMNS = {
    *PROJECT_COLUMNS,
    *(c for columns in EXPLODED_COLUMNS.values() for c in columns),
    "currency",
    "units_per_usd",
    "project_count",
    "country_name",
    "region_name",
    "sector_name",
    "sector_group",
}


class _Text(HTMLParser):
    """Text nodes and read attributes, without code elements and without what a page marks
    `translate="no"` (HTML's mark for text that stays as it is: a preview of a CSV file's
    cells, which are the file's own English)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.codes: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = tag in SKIPPED or attributes.get("translate") == "no"
        if not (self._skipping() or skip):
            self.chunks.extend(attributes[a] for a in READ_ATTRIBUTES if attributes.get(a))
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.chunks.append(attributes.get("value") or "")
        if tag not in VOID:
            self._stack.append((tag, skip))

    def handle_endtag(self, tag):
        if any(t == tag for t, _skip in self._stack):
            while self._stack and self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        (self.codes if self._skipping() else self.chunks).append(data)


def visible_text(html: str) -> list[str]:
    """The text people read on a page, one chunk per text node or read attribute."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return [c for c in (" ".join(chunk.split()) for chunk in parser.chunks) if c]


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def seed_data_strings(*extra_documents) -> set[str]:
    """The data a demo page can show: every string of the demo projects and organisations,
    the vendor lists' names and aliases, and any other documents given."""
    documents = [
        json.loads((SEED / "demo" / "projects.json").read_text("utf-8")),
        json.loads((SEED / "demo" / "organisations.json").read_text("utf-8")),
        *extra_documents,
    ]
    with open(SEED / "screening" / "vendors.toml", "rb") as handle:
        documents.append(tomllib.load(handle))
    # Place names that pages may show in English beside the Japanese (a picker finds a
    # country by either name), and subdivisions, which pycountry names in their own language.
    documents.append(
        [
            getattr(country, attribute, "")
            for country in pycountry.countries
            for attribute in ("name", "common_name", "official_name")
        ]
    )
    documents.append([subdivision.name for subdivision in pycountry.subdivisions])
    with open(SEED / "reference" / "m49.csv", newline="", encoding="utf-8") as handle:
        documents.append(list(csv.DictReader(handle)))
    strings = {s.strip() for document in documents for s in _strings(document)}
    # Codes of a vocabulary (`water_quality_sampling`) are not data: a page shows their labels.
    with open(SEED / "vocabularies.toml", "rb") as handle:
        codes = {code for entries in tomllib.load(handle).values() for code in entries}
    return {s for s in strings if s and s not in codes}


def _data_pattern(data: set[str]) -> re.Pattern | None:
    # Only data that could read as a sentence (two words or more) needs taking out.
    phrases = sorted((d for d in data if len(WORD.findall(d)) >= 2), key=len, reverse=True)
    if not phrases:
        return None
    return re.compile("|".join(re.escape(p) for p in phrases))


class EnglishFinder:
    """Finds English runs in page text once data, codes and allowed words are taken out."""

    def __init__(self, data: set[str]):
        self.data = data
        self.pattern = _data_pattern(data)
        # Data shortened on a page ("Extension of the sewerage network…"): its first words.
        self.prefixes = sorted(
            (d for d in data if len(WORD.findall(d)) >= 2), key=len, reverse=True
        )

    def _without_data(self, chunk: str) -> str:
        if self.pattern is not None:
            chunk = self.pattern.sub(DATA_MARK, chunk)
        if chunk.endswith("…"):
            head = chunk[:-1].rstrip()
            start = max(head.rfind(DATA_MARK) + 1, 0)
            tail = head[start:].strip()
            if tail and any(p.startswith(tail) for p in self.prefixes):
                chunk = chunk[:start] + DATA_MARK
        return chunk

    def clean(self, chunk: str) -> str:
        text = self._without_data(chunk)
        text = EMAIL.sub(DATA_MARK, text)
        text = URL.sub(DATA_MARK, text)
        for phrase in ALLOWED_PHRASES:
            text = text.replace(phrase, DATA_MARK)
        text = CODE.sub(DATA_MARK, text)
        return " ".join(
            DATA_MARK if w.strip("()[],.:;") in ALLOWED_WORDS else w for w in text.split()
        )

    def english(self, chunks: Iterable[str]) -> list[str]:
        """Each English run, with the chunk it was found in."""
        found = []
        for chunk in chunks:
            text = self.clean(chunk)
            for run in RUN.findall(text):
                if len(WORD.findall(run)) >= 2:
                    found.append(f"{run!r} in {chunk[:160]!r}")
            found.extend(
                f"raw code {raw!r} in {chunk[:160]!r}"
                for raw in RAW_IDENTIFIER.findall(self._without_data(chunk))
                if raw not in CSV_COLUMNS
            )
        return found
