"""The screening ruleset: its dataclasses, the registry of check functions, and `load_ruleset`.

`load_ruleset` reads seed/screening/ (the rules, the vendors of concern plus the entries admins
add, the countries of concern, the legal-form words) and binds each rule to the function
registered for its code with `@check`. A rule without a function, or a function without a rule,
is refused when the ruleset loads, not discovered when a record is screened.

`flag_legend` reads seed/screening/legend.toml: what each flag means and what a reviewer
checks, in every interface language; `information_flags` names the flags that are shown
only when asked for.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from registry import reference
from registry.rules.names import Normaliser, Vendor, VendorIndex

SCREENING_DIR = reference.SEED_DIR / "screening"
SEVERITY_RANK = {"info": 1, "medium": 2, "high": 3, "critical": 4}
REVIEWABLE = ("medium", "high", "critical")  # flags above info need a reviewer
_RULE_KEYS = ("code", "severity", "pillar", "description", "visible_by_default")  # the rest
# are parameters


class RulesetError(ValueError):
    """rules.toml and the registered check functions disagree."""


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    pillar: str
    description: str
    params: dict = field(hash=False, compare=False)
    # False: information only, shown in lists and badges only when asked for.
    visible_by_default: bool = True


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    pillar: str
    rationale: str
    source: str
    ruleset_version: str
    # Why, as data: {"key": …, parameters}; pages put it in words in their language.
    # None on flags stored before reasons were (their rationale text stands).
    reason: dict | None = None


@dataclass(frozen=True)
class Finding:
    """What a check returns when its rule fires; None means the rule's own severity or source.

    `rationale` is the English text the API returns; `reason` the same as data, a `key`
    naming how to say it and its parameters (codes, names, numbers as JSON values)."""

    rationale: str
    severity: str | None = None
    source: str | None = None
    reason: dict | None = None


@dataclass(frozen=True)
class ExtraVendor:
    """A vendor an admin added (stored in the database)."""

    id: int
    name: str
    country: str | None
    categories: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str


# A check reads (Context, Rule, Ruleset); Context is in registry.rules.checks.
Check = Callable[[Any, Rule, "Ruleset"], Finding | None]
CHECKS: dict[str, Check] = {}


def check(code: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check of rule `code` in rules.toml."""

    def register(function: Check) -> Check:
        if code in CHECKS:
            raise RulesetError(
                f"Screening rule {code} has two check functions: "
                f"{CHECKS[code].__name__} and {function.__name__}."
            )
        CHECKS[code] = function
        return function

    return register


@dataclass
class Ruleset:
    version: str
    rules: dict[str, Rule]
    pillars: dict[str, dict]
    vendors: VendorIndex
    vendor_list: list[dict]
    countries_of_concern: frozenset[str]
    stake_threshold: Decimal
    sources: list[dict]
    rules_source: str
    countries_source: str
    checks: dict[str, Check] = field(repr=False, compare=False)  # by code, in rules.toml order

    def describe(self) -> dict:
        """The active rules and lists, for GET /api/v1/screening/rules."""
        return {
            "version": self.version,
            "rules": [
                {
                    "code": r.code,
                    "severity": r.severity,
                    "pillar": r.pillar,
                    "description": r.description,
                    "visible_by_default": r.visible_by_default,
                }
                for r in self.rules.values()
            ],
            "pillars": [{"code": k, **v} for k, v in self.pillars.items()],
            "vendors": self.vendor_list,
            "countries_of_concern": sorted(self.countries_of_concern),
            "core_sector_stake_threshold": str(self.stake_threshold),
            "sources": self.sources,
        }


def _toml(name: str) -> dict:
    with open(SCREENING_DIR / name, "rb") as handle:
        return tomllib.load(handle)


@cache
def seed_files() -> dict[str, dict]:
    """The parsed seed/screening/ files by role. Shared and cached: copy before changing."""
    return {
        "rules": _toml("rules.toml"),
        "vendors": _toml("vendors.toml"),
        "countries": _toml("countries_of_concern.toml"),
        "suffixes": _toml("legal_suffixes.toml"),
    }


@cache
def _normaliser(suffixes: tuple[str, ...]) -> Normaliser:
    return Normaliser.from_list(suffixes)


# The source of flags that come from the rules themselves rather than from a list.
RULES_SOURCE = "Registry screening rules {version} (seed/screening/rules.toml)"


def _citation(source: dict) -> str:
    return f"{source['title']} ({source['publisher']}, as of {source['as_of']})"


@cache
def source_citations() -> dict[str, dict]:
    """Each listed source's citation text (as flags store it) → its entry in vendors.toml or
    countries_of_concern.toml (id, title, publisher, as_of), so pages can cite it anew."""
    files = seed_files()
    return {
        _citation(source): source
        for source in [*files["vendors"]["sources"], *files["countries"]["sources"]]
    }


def _rule(entry: dict) -> Rule:
    params = {k: v for k, v in entry.items() if k not in _RULE_KEYS}
    visible = entry.get("visible_by_default", True)
    if not visible and entry["severity"] != "info":
        raise RulesetError(
            f"Screening rule {entry['code']} is hidden by default (visible_by_default = false) "
            f"but has severity {entry['severity']}: only info flags may be hidden, since a "
            "hidden flag must never send a project to review."
        )
    return Rule(
        entry["code"], entry["severity"], entry["pillar"], entry["description"], params, visible
    )


def _bind_checks(codes: list[str]) -> dict[str, Check]:
    """Each rule's check function, in rules.toml order; a code on one side only is an error."""
    missing = [code for code in codes if code not in CHECKS]
    if missing:
        raise RulesetError(
            f"Screening rule {', '.join(missing)} in rules.toml has no check function: "
            'register one with @check("CODE") in registry/rules/checks.py.'
        )
    unlisted = [code for code in CHECKS if code not in codes]
    if unlisted:
        raise RulesetError(
            f"Check function for screening rule {', '.join(unlisted)} has no [[rules]] entry "
            "in seed/screening/rules.toml."
        )
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise RulesetError(f"Screening rule {', '.join(repeated)} appears twice in rules.toml.")
    return {code: CHECKS[code] for code in codes}


def _listed_vendor(entry: dict, sources: dict[str, dict]) -> tuple[Vendor, list, dict]:
    """A vendors.toml entry: the vendor, its aliases, and its row in `describe()`."""
    vendor = Vendor(
        entry["id"],
        entry["name"],
        entry.get("country"),
        tuple(entry["categories"]),
        _citation(sources[entry["source"]]),
    )
    row = {
        "id": entry["id"],
        "name": entry["name"],
        "country": entry.get("country"),
        "categories": list(entry["categories"]),
        "aliases": list(entry["aliases"]),
        "source": vendor.source,
        "added_by_admin": False,
    }
    return vendor, entry["aliases"], row


def _admin_vendor(extra: ExtraVendor) -> tuple[Vendor, tuple, dict]:
    """An admin's entry: the vendor, its aliases, and its row in `describe()`."""
    vendor = Vendor(f"local-{extra.id}", extra.name, extra.country, extra.categories, extra.source)
    row = {
        "id": vendor.id,
        "name": extra.name,
        "country": extra.country,
        "categories": list(extra.categories),
        "aliases": list(extra.aliases),
        "source": extra.source,
        "added_by_admin": True,
    }
    return vendor, extra.aliases, row


def _version(files: Mapping[str, dict], admin_rows: list[dict]) -> str:
    """Names every input; admins' entries by count and a digest of their content."""
    version = (
        f"{files['rules']['version']}+vendors.{files['vendors']['version']}"
        f"+countries.{files['countries']['version']}"
    )
    if admin_rows:
        digest = hashlib.sha256(json.dumps([admin_rows], sort_keys=True).encode())
        version += f"+local.{len(admin_rows)}.{digest.hexdigest()[:8]}"
    return version


def load_ruleset(
    extra_vendors: Iterable[ExtraVendor] = (), files: Mapping[str, dict] | None = None
) -> Ruleset:
    """The ruleset from seed/screening/ plus admins' vendor entries.

    Its version names every input, so a result can be traced to the lists that made it.
    `files` stands in for `seed_files()` (same shape), so tests can change a list or a rule.
    """
    files = seed_files() if files is None else files
    rules_file, vendors_file, countries_file = files["rules"], files["vendors"], files["countries"]
    codes = [entry["code"] for entry in rules_file["rules"]]
    checks = _bind_checks(codes)
    sources = {s["id"]: s for s in vendors_file["sources"]}
    listed = [_listed_vendor(v, sources) for v in vendors_file["vendors"]]
    admin = [_admin_vendor(e) for e in extra_vendors]
    entries = [(vendor, aliases) for vendor, aliases, _ in [*listed, *admin]]
    rules_version = rules_file["version"]
    return Ruleset(
        version=_version(files, [row for _, _, row in admin]),
        rules={entry["code"]: _rule(entry) for entry in rules_file["rules"]},
        pillars=dict(rules_file["pillars"]),
        vendors=VendorIndex(entries, _normaliser(tuple(files["suffixes"]["suffixes"]))),
        vendor_list=[row for _, _, row in [*listed, *admin]],
        countries_of_concern=frozenset(countries_file["countries"]),
        stake_threshold=Decimal(str(countries_file["core_sector_stake_threshold"])),
        sources=[*vendors_file["sources"], *countries_file["sources"]],
        rules_source=RULES_SOURCE.format(version=rules_version),
        countries_source=_citation(countries_file["sources"][0]),
        checks=checks,
    )


def needs_review(flags: Iterable[Flag | dict]) -> bool:
    """Whether any flag is above info."""
    return any((f.severity if isinstance(f, Flag) else f["severity"]) in REVIEWABLE for f in flags)


@cache
def information_flags() -> frozenset[str]:
    """Codes of the rules that are information only (`visible_by_default = false`): lists,
    facets and badges leave them out unless asked for."""
    return frozenset(
        entry["code"]
        for entry in seed_files()["rules"]["rules"]
        if not entry.get("visible_by_default", True)
    )


@cache
def flag_legend() -> dict[str, dict]:
    """Every flag of rules.toml, in its order, with what the legend says of it:
    code → {severity, pillar, visible_by_default, meaning, reviewer_checks}, where
    `meaning` is {language: sentence} and `reviewer_checks` {language: [point, …]}
    (seed/screening/legend.toml). `pillars` → {pillar: {language: description}}.

    Raises RulesetError when a rule has no legend entry or an entry names no rule."""
    legend = _toml("legend.toml")
    entries = seed_files()["rules"]["rules"]
    codes = [entry["code"] for entry in entries]
    missing = [code for code in codes if code not in legend["flags"]]
    extra = [code for code in legend["flags"] if code not in codes]
    if missing or extra:
        raise RulesetError(
            "seed/screening/legend.toml and rules.toml disagree: "
            f"no legend for {', '.join(missing) or 'none'}; "
            f"legend without a rule: {', '.join(extra) or 'none'}."
        )
    flags = {
        entry["code"]: {
            "severity": entry["severity"],
            "pillar": entry["pillar"],
            "visible_by_default": entry.get("visible_by_default", True),
            "meaning": legend["flags"][entry["code"]]["meaning"],
            "reviewer_checks": legend["flags"][entry["code"]]["reviewer_checks"],
        }
        for entry in entries
    }
    return {"flags": flags, "pillars": legend["pillars"], "sources": legend.get("sources", {})}
