"""Company-name normalisation and whole-word matching against the vendors-of-concern list,
and the same whole-word matching of rule terms in free text (`TermMatcher`).

"HUAWEI TECHNOLOGIES CO., LTD" and "Huawei" normalise to the same words; a company
whose name merely contains the same letters ("Zteam Engineering") does not match
"ZTE", because matching is by whole words, never by substring. Names in scripts
written without spaces (Chinese, Japanese) are matched as text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_SEPARATORS = re.compile(r"[^\w]+", re.UNICODE)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _fold(text: str) -> str:
    """Lower case, accents and invisible format characters (Unicode category Cf: zero-width
    spaces, bidi controls, soft hyphens) removed, punctuation to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    return _SEPARATORS.sub(" ", stripped.casefold().replace("&", " and ")).replace("_", " ")


@dataclass(frozen=True)
class Normaliser:
    """Strips legal forms (from seed/screening/legal_suffixes.toml) at either end of a name."""

    suffixes: frozenset[tuple[str, ...]]
    longest: int

    @classmethod
    def from_list(cls, suffixes: Iterable[str]) -> Normaliser:
        forms = frozenset(tuple(_fold(s).split()) for s in suffixes if _fold(s).split())
        return cls(forms, max((len(f) for f in forms), default=1))

    def words(self, name: str) -> tuple[str, ...]:
        words = _fold(name).split()
        changed = True
        while changed and words:
            changed = False
            for size in range(min(self.longest, len(words)), 0, -1):
                if len(words) > size and tuple(words[-size:]) in self.suffixes:
                    words, changed = words[:-size], True
                    break
                if len(words) > size and tuple(words[:size]) in self.suffixes:
                    words, changed = words[size:], True
                    break
        return tuple(words)


@dataclass(frozen=True)
class Vendor:
    id: str
    name: str
    country: str | None
    categories: tuple[str, ...]
    source: str  # a readable citation of the list it comes from


@dataclass(frozen=True)
class Match:
    vendor: Vendor
    alias: str


class VendorIndex:
    """Aliases indexed by their first word, for fast whole-word matching of many names."""

    def __init__(self, vendors: Iterable[tuple[Vendor, Iterable[str]]], normaliser: Normaliser):
        self.normaliser = normaliser
        self._by_first: dict[str, list[tuple[tuple[str, ...], Match]]] = {}
        self._unspaced: list[tuple[str, Match]] = []
        for vendor, aliases in vendors:
            # In list order, so the alias a rationale names never depends on hashing.
            for alias in dict.fromkeys([vendor.name, *aliases]):
                if _UNSPACED.search(alias):
                    self._unspaced.append((_fold(alias).replace(" ", ""), Match(vendor, alias)))
                    continue
                words = normaliser.words(alias)
                entries = self._by_first.setdefault(words[0], []) if words else None
                if entries is not None and all(w != words for w, _ in entries):
                    entries.append((words, Match(vendor, alias)))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))  # the longest alias explains best
        self.match = lru_cache(maxsize=65536)(self._match)

    def _match(self, name: str) -> Match | None:
        """The vendor a company name refers to, or None."""
        if not name:
            return None
        words = self.normaliser.words(name)
        for i, word in enumerate(words):
            for alias_words, match in self._by_first.get(word, ()):
                if tuple(words[i : i + len(alias_words)]) == alias_words:
                    return match
        if self._unspaced and _UNSPACED.search(name):
            compact = _fold(name).replace(" ", "")
            for alias_text, match in self._unspaced:
                if alias_text in compact:
                    return match
        return None


class TermMatcher:
    """Finds the first of some terms in free text: whole words (and word sequences) after
    folding case, accents and punctuation, so "Offshore" and "off-shore" differ but
    "OFFSHORE," matches "offshore"; terms in unspaced scripts (Japanese) match as text."""

    def __init__(self, terms: Iterable[str]):
        self.terms = tuple(terms)
        self._spaced: list[tuple[tuple[str, ...], str]] = []
        self._unspaced: list[tuple[str, str]] = []
        for term in self.terms:
            if _UNSPACED.search(term):
                self._unspaced.append((_fold(term).replace(" ", ""), term))
            elif _fold(term).split():
                self._spaced.append((tuple(_fold(term).split()), term))

    def find(self, text: str) -> str | None:
        """The first term (in list order) that `text` contains, or None."""
        if not text:
            return None
        words = _fold(text).split()
        for term_words, term in self._spaced:
            size = len(term_words)
            if any(tuple(words[i : i + size]) == term_words for i in range(len(words))):
                return term
        if self._unspaced and _UNSPACED.search(text):
            compact = "".join(words)
            for term_text, term in self._unspaced:
                if term_text in compact:
                    return term
        return None
