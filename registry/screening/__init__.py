"""Security screening: rules and lists from seed/screening/, applied to a project record.

`load_ruleset` reads the rules, the vendors of concern (plus entries admins add),
the countries of concern and the legal-form words; `screen` returns the flags a
record raises, each explained: which field and value triggered it, the list it
came from, and the ruleset version. Pure functions: no database, no HTTP.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from registry import reference
from registry.screening.names import Match, Normaliser, Vendor, VendorIndex

SCREENING_DIR = reference.SEED_DIR / "screening"
SEVERITY_RANK = {"info": 1, "medium": 2, "high": 3, "critical": 4}
REVIEWABLE = ("medium", "high", "critical")  # flags above info need a reviewer


def _toml(name: str) -> dict:
    with open(SCREENING_DIR / name, "rb") as handle:
        return tomllib.load(handle)


def _citation(source: dict) -> str:
    return f"{source['title']} ({source['publisher']}, as of {source['as_of']})"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    pillar: str
    description: str
    params: dict = field(hash=False, compare=False)


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    pillar: str
    rationale: str
    source: str
    ruleset_version: str

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "pillar": self.pillar,
            "rationale": self.rationale,
            "source": self.source,
            "ruleset_version": self.ruleset_version,
        }


@dataclass(frozen=True)
class ExtraVendor:
    """A vendor an admin added (stored in the database)."""

    id: int
    name: str
    country: str | None
    categories: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str


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
                }
                for r in self.rules.values()
            ],
            "pillars": [{"code": k, **v} for k, v in self.pillars.items()],
            "vendors": self.vendor_list,
            "countries_of_concern": sorted(self.countries_of_concern),
            "core_sector_stake_threshold": str(self.stake_threshold),
            "sources": self.sources,
        }


@cache
def _files() -> dict:
    return {
        "rules": _toml("rules.toml"),
        "vendors": _toml("vendors.toml"),
        "countries": _toml("countries_of_concern.toml"),
        "suffixes": _toml("legal_suffixes.toml"),
    }


@cache
def _normaliser() -> Normaliser:
    return Normaliser.from_list(_files()["suffixes"]["suffixes"])


def load_ruleset(extra_vendors: Iterable[ExtraVendor] = ()) -> Ruleset:
    """The ruleset from seed/screening/ plus admins' vendor entries.

    Its version names every input, so a result can be traced to the lists that made it.
    """
    files = _files()
    extra = tuple(extra_vendors)
    rules_file, vendors_file, countries_file = files["rules"], files["vendors"], files["countries"]
    sources = {s["id"]: s for s in vendors_file["sources"]}
    entries: list[tuple[Vendor, Iterable[str]]] = []
    listed: list[dict] = []
    for v in vendors_file["vendors"]:
        vendor = Vendor(
            v["id"],
            v["name"],
            v.get("country"),
            tuple(v["categories"]),
            _citation(sources[v["source"]]),
        )
        entries.append((vendor, v["aliases"]))
        listed.append(
            {
                "id": v["id"],
                "name": v["name"],
                "country": v.get("country"),
                "categories": list(v["categories"]),
                "aliases": list(v["aliases"]),
                "source": vendor.source,
                "added_by_admin": False,
            }
        )
    for e in extra:
        vendor = Vendor(f"local-{e.id}", e.name, e.country, e.categories, e.source)
        entries.append((vendor, e.aliases))
        listed.append(
            {
                "id": vendor.id,
                "name": e.name,
                "country": e.country,
                "categories": list(e.categories),
                "aliases": list(e.aliases),
                "source": e.source,
                "added_by_admin": True,
            }
        )
    version = (
        f"{rules_file['version']}+vendors.{vendors_file['version']}"
        f"+countries.{countries_file['version']}"
    )
    if extra:
        digest = hashlib.sha256(json.dumps([listed[-len(extra) :]], sort_keys=True).encode())
        version += f"+local.{len(extra)}.{digest.hexdigest()[:8]}"
    rules = {}
    for r in rules_file["rules"]:
        params = {
            k: v for k, v in r.items() if k not in ("code", "severity", "pillar", "description")
        }
        rules[r["code"]] = Rule(r["code"], r["severity"], r["pillar"], r["description"], params)
    countries_source = _citation(countries_file["sources"][0])
    return Ruleset(
        version=version,
        rules=rules,
        pillars=dict(rules_file["pillars"]),
        vendors=VendorIndex(entries, _normaliser()),
        vendor_list=listed,
        countries_of_concern=frozenset(countries_file["countries"]),
        stake_threshold=Decimal(str(countries_file["core_sector_stake_threshold"])),
        sources=[*vendors_file["sources"], *countries_file["sources"]],
        rules_source=f"Registry screening rules {rules_file['version']} (seed/screening/rules.toml)",
        countries_source=countries_source,
    )


# ---------------------------------------------------------------- the rules


def _quote(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _sector_groups(record: dict) -> dict[str, str]:
    """Sector code → its infrastructure group, for the record's sectors."""
    return {s["code"]: reference.sector_group_of(s["code"]) for s in record.get("sectors") or []}


@dataclass(frozen=True)
class _Hit:
    """A participant or technology vendor that matched the vendors-of-concern list."""

    item: dict  # the participant or technology
    path: str  # its field path, e.g. participants[1].name
    name: str
    match: Match


def _vendor_matches(record: dict, ruleset: Ruleset) -> list[_Hit]:
    found = []
    for i, p in enumerate(record.get("participants") or []):
        match = ruleset.vendors.match(p.get("name") or "")
        if match:
            found.append(_Hit(p, f"participants[{i}].name", p["name"], match))
    for i, t in enumerate(record.get("technologies") or []):
        match = ruleset.vendors.match(t.get("vendor") or "")
        if match:
            found.append(_Hit(t, f"technologies[{i}].vendor", t["vendor"], match))
    return found


def screen(record: dict, ruleset: Ruleset) -> list[Flag]:
    """The flags a project record raises, most severe first."""
    rules = ruleset.rules
    flags: list[Flag] = []

    def flag(code: str, rationale: str, source: str | None = None, severity: str | None = None):
        rule = rules[code]
        flags.append(
            Flag(
                code,
                severity or rule.severity,
                rule.pillar,
                rationale,
                source or ruleset.rules_source,
                ruleset.version,
            )
        )

    technologies = record.get("technologies") or []
    participants = record.get("participants") or []
    maritime = record.get("maritime_activities") or []
    categories = record.get("export_control_categories") or []
    groups = _sector_groups(record)
    matches = _vendor_matches(record, ruleset)

    if matches:
        flag(
            "HIGH_RISK_VENDOR",
            "; ".join(
                f"{h.path} {_quote(h.name)} matches {h.match.vendor.name} "
                f"(alias {_quote(h.match.alias)})"
                for h in matches
            )
            + ".",
            source="; ".join(sorted({h.match.vendor.source for h in matches})),
        )

    params = rules["TELECOM_CORE"].params
    reasons = [
        f"technologies[{i}].category {_quote(t['category'])}"
        for i, t in enumerate(technologies)
        if t["category"] in params["technology_categories"]
    ]
    reasons += [f"sector {code}" for code in groups if code in params["sectors"]]
    if reasons:
        supplied = [
            h
            for h in matches
            if h.item.get("category") in params["technology_categories"]
            or h.item.get("role") in ("supplier", "contractor", "operator")
        ]
        text = "Core telecoms or data infrastructure: " + ", ".join(reasons) + "."
        if supplied:
            text += (
                " Supplied by a vendor of concern: "
                + ", ".join(f"{h.match.vendor.name} ({h.path})" for h in supplied)
                + "."
            )
        flag("TELECOM_CORE", text, severity="critical" if supplied else None)

    params = rules["UNDERSEA_CABLE"].params
    reasons = [
        f"technologies[{i}].category {_quote(t['category'])}"
        for i, t in enumerate(technologies)
        if t["category"] in params["technology_categories"]
    ]
    reasons += [
        f"maritime_activities {_quote(a)}" for a in maritime if a in params["maritime_activities"]
    ]
    if reasons:
        flag("UNDERSEA_CABLE", "Undersea cable: " + ", ".join(reasons) + ".")

    params = rules["MARITIME_DATA"].params
    reasons = [_quote(a) for a in maritime if a in params["maritime_activities"]]
    if reasons:
        flag(
            "MARITIME_DATA",
            "Seabed or ocean data collected: maritime_activities " + ", ".join(reasons) + ".",
        )

    params = rules["DUAL_USE"].params
    reasons = [f"export_control_categories {_quote(c)}" for c in categories]
    reasons += [
        f"technologies[{i}].category {_quote(t['category'])}"
        for i, t in enumerate(technologies)
        if t["category"] in params["technology_categories"]
    ]
    if reasons:
        high = [c for c in categories if c in params["high_categories"]]
        flag(
            "DUAL_USE",
            "Dual-use technology: "
            + ", ".join(reasons)
            + "."
            + (f" Categories {', '.join(high)} raise the severity." if high else ""),
            severity=params["high_categories_severity"] if high else None,
        )

    core_groups = rules["CRITICAL_INFRASTRUCTURE"].params["sector_groups"]
    core = sorted(code for code, group in groups.items() if group in core_groups)
    params = rules["FOREIGN_STATE_INVESTOR"].params
    recipients = {c["code"] for c in record.get("recipient_countries") or []}
    reasons = []
    for i, p in enumerate(participants):
        if not (p.get("state_owned") and p.get("role") in params["roles"] and core):
            continue
        country = p.get("country")
        if country in recipients:
            continue  # the recipient's own state is not a foreign investor
        stake = p.get("stake_percentage")
        stake = Decimal(str(stake)) if stake is not None else None
        why = []
        if country in ruleset.countries_of_concern:
            why.append(f"from {country}, a country of concern")
        if stake is not None and stake >= ruleset.stake_threshold:
            why.append(f"holding {stake}% (threshold {ruleset.stake_threshold}%)")
        if why:
            reasons.append(
                f"participants[{i}] {_quote(p['name'])}, state-owned {p['role']} "
                + " and ".join(why)
            )
    if reasons:
        flag(
            "FOREIGN_STATE_INVESTOR",
            "; ".join(reasons) + f", in core sector {', '.join(core)}.",
            source=ruleset.countries_source,
        )

    params = rules["SURVEILLANCE"].params
    cameras = [h for h in matches if h.item.get("category") in params["technology_categories"]]
    if cameras:
        flag(
            "SURVEILLANCE",
            "Surveillance cameras from a vendor of concern: "
            + ", ".join(f"{h.path} {_quote(h.name)} ({h.match.vendor.name})" for h in cameras)
            + ".",
            source="; ".join(sorted({h.match.vendor.source for h in cameras})),
        )

    if core:
        flag(
            "CRITICAL_INFRASTRUCTURE",
            "Core-sector project: " + ", ".join(f"sector {c} ({groups[c]})" for c in core) + ".",
        )

    params = rules["INCOMPLETE_DISCLOSURE"].params
    exposed = sorted(code for code, group in groups.items() if group in params["sector_groups"])
    named_vendor = any((t.get("vendor") or "").strip() for t in technologies)
    named_party = any(p.get("role") in params["disclosing_roles"] for p in participants)
    if exposed and not named_vendor and not named_party:
        flag(
            "INCOMPLETE_DISCLOSURE",
            f"Sector {', '.join(exposed)} project names no technology "
            "vendor and no contractor or supplier among its participants.",
        )

    flags.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return flags


def needs_review(flags: Iterable[Flag | dict]) -> bool:
    """Whether any flag is above info."""
    return any((f.severity if isinstance(f, Flag) else f["severity"]) in REVIEWABLE for f in flags)
