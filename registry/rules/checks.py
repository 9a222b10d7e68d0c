"""The screening rules, one function per rules.toml code, and `screen`, which runs them.

A check is registered for its code with `@check("CODE")`. It reads the record's `Context` (what
several rules need, computed once per record), its `Rule` (parameters in `rule.params`) and the
`Ruleset`, and returns a `Finding` when the rule fires, else None. `screen` makes each finding a
`Flag` carrying the rule's severity and the rules source unless the finding names its own.

Each finding says why twice: `rationale`, English text for the API, and `reason`, the same
as data (a `key` and its parameters: codes, names, numbers) that the pages put into words
in the reader's language (registry/web/flags.py). A new reason key needs its words there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from registry import reference
from registry.rules.names import Match, TermMatcher, VendorIndex
from registry.rules.ruleset import SEVERITY_RANK, Finding, Flag, Rule, Ruleset, check

# Participant roles through which a vendor of concern supplies a telecoms core.
_SUPPLYING_ROLES = ("supplier", "contractor", "operator")


@dataclass(frozen=True)
class VendorHit:
    """A participant or technology vendor that matched the vendors-of-concern list."""

    item: dict  # the participant or technology
    field: str  # "participant" or "technology"
    index: int  # its place in the record's list, from 0
    name: str
    match: Match

    @property
    def path(self) -> str:
        """Its field path, e.g. participants[1].name."""
        if self.field == "participant":
            return f"participants[{self.index}].name"
        return f"technologies[{self.index}].vendor"

    def reason(self) -> dict:
        """The hit as reason data: which field, the name given, and the vendor it matched."""
        return {
            "field": self.field,
            "position": self.index + 1,
            "name": self.name,
            "vendor": self.match.vendor.name,
            "alias": self.match.alias,
            "role": self.item.get("role"),
            "category": self.item.get("category"),
            "list": self.match.vendor.source,
        }


class Context:
    """One project record as the checks read it, each part computed once per record."""

    def __init__(self, record: dict, ruleset: Ruleset) -> None:
        self.record = record
        self.participants: list[dict] = record.get("participants") or []
        self.technologies: list[dict] = record.get("technologies") or []
        self.maritime: list[str] = record.get("maritime_activities") or []
        self.categories: list[str] = record.get("export_control_categories") or []
        self.recipients = {c["code"] for c in record.get("recipient_countries") or []}
        self.sector_groups = {  # sector code → its infrastructure group
            s["code"]: reference.sector_group_of(s["code"]) for s in record.get("sectors") or []
        }
        # Core sectors are CRITICAL_INFRASTRUCTURE's groups; FOREIGN_STATE_INVESTOR reads them too.
        core_groups = ruleset.rules["CRITICAL_INFRASTRUCTURE"].params["sector_groups"]
        self.core_sectors = sorted(
            code for code, group in self.sector_groups.items() if group in core_groups
        )
        self.vendor_matches = _vendor_matches(self, ruleset.vendors)

    def technology_reasons(self, categories: list[str]) -> list[str]:
        """The record's technologies in `categories`, as rationale fragments."""
        return [
            f"technologies[{i}].category {_quote(t['category'])}"
            for i, t in enumerate(self.technologies)
            if t["category"] in categories
        ]

    def technology_categories(self, categories: list[str]) -> list[str]:
        """The categories of `categories` the record's technologies are in, once each."""
        return list(
            dict.fromkeys(t["category"] for t in self.technologies if t["category"] in categories)
        )

    def texts(self) -> list[tuple[str, str]]:
        """The record's free text, as (field, text): title, description, locations, tags."""
        record = self.record
        found = [
            ("title", record.get("title") or ""),
            ("description", record.get("description") or ""),
        ]
        found += [("location", loc.get("name") or "") for loc in record.get("locations") or []]
        found += [("tag", tag) for tag in record.get("tags") or []]
        return [(name, text) for name, text in found if isinstance(text, str) and text]


def _vendor_matches(context: Context, vendors: VendorIndex) -> list[VendorHit]:
    """Participants, then technology vendors, whose names match a vendor of concern."""
    found = []
    for i, p in enumerate(context.participants):
        match = vendors.match(p.get("name") or "")
        if match:
            found.append(VendorHit(p, "participant", i, p["name"], match))
    for i, t in enumerate(context.technologies):
        match = vendors.match(t.get("vendor") or "")
        if match:
            found.append(VendorHit(t, "technology", i, t["vendor"], match))
    return found


def _quote(value) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _sources(hits: list[VendorHit]) -> str:
    return "; ".join(sorted({h.match.vendor.source for h in hits}))


def screen(record: dict, ruleset: Ruleset) -> list[Flag]:
    """The flags a project record raises, most severe first, else in rules.toml order."""
    context = Context(record, ruleset)
    flags = []
    for code, rule in ruleset.rules.items():
        finding = ruleset.checks[code](context, rule, ruleset)
        if finding is not None:
            flags.append(
                Flag(
                    code,
                    finding.severity or rule.severity,
                    rule.pillar,
                    finding.rationale,
                    finding.source or ruleset.rules_source,
                    ruleset.version,
                    finding.reason,
                )
            )
    flags.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return flags


# ---------------------------------------------------------------- the rules, in rules.toml order


@check("HIGH_RISK_VENDOR")
def high_risk_vendor(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """A participant or technology vendor is on the vendors-of-concern list."""
    hits = context.vendor_matches
    if not hits:
        return None
    return Finding(
        "; ".join(
            f"{h.path} {_quote(h.name)} matches {h.match.vendor.name} "
            f"(alias {_quote(h.match.alias)})"
            for h in hits
        )
        + ".",
        source=_sources(hits),
        reason={"key": "vendor_match", "matches": [h.reason() for h in hits]},
    )


@check("TELECOM_CORE")
def telecom_core(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """Core telecoms or data infrastructure; critical when a vendor of concern supplies it."""
    categories = rule.params["technology_categories"]
    reasons = context.technology_reasons(categories)
    reasons += [
        f"sector {code}" for code in context.sector_groups if code in rule.params["sectors"]
    ]
    if not reasons:
        return None
    supplied = [
        h
        for h in context.vendor_matches
        if h.item.get("category") in categories or h.item.get("role") in _SUPPLYING_ROLES
    ]
    text = "Core telecoms or data infrastructure: " + ", ".join(reasons) + "."
    if supplied:
        text += (
            " Supplied by a vendor of concern: "
            + ", ".join(f"{h.match.vendor.name} ({h.path})" for h in supplied)
            + "."
        )
    reason = {
        "key": "telecom_core",
        "technologies": context.technology_categories(categories),
        "sectors": [code for code in context.sector_groups if code in rule.params["sectors"]],
        "supplied_by": [h.reason() for h in supplied],
    }
    return Finding(text, severity="critical" if supplied else None, reason=reason)


@check("UNDERSEA_CABLE")
def undersea_cable(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """Undersea cable supplied or laid."""
    activities = rule.params["maritime_activities"]
    reasons = context.technology_reasons(rule.params["technology_categories"])
    reasons += [f"maritime_activities {_quote(a)}" for a in context.maritime if a in activities]
    if not reasons:
        return None
    reason = {
        "key": "undersea_cable",
        "technologies": context.technology_categories(rule.params["technology_categories"]),
        "activities": [a for a in context.maritime if a in activities],
    }
    return Finding("Undersea cable: " + ", ".join(reasons) + ".", reason=reason)


@cache
def _terms(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher(terms)


def _at_sea(context: Context, rule: Rule) -> dict | None:
    """Why the record's work is at sea, as reason data, or None: another activity at sea,
    an offshore term, or a coastal term in a record that names no sewage treatment."""
    params = rule.params
    with_activities = [a for a in context.maritime if a in params["at_sea_activities"]]
    if with_activities:
        return {"basis": "activity", "activities": with_activities}
    texts = context.texts()
    for basis, terms in (
        ("offshore", params["offshore_terms"]),
        ("coastal", params["coastal_terms"]),
    ):
        matcher = _terms(tuple(terms))
        for field, text in texts:
            term = matcher.find(text)
            if term is None:
                continue
            if basis == "coastal":
                treatment = _terms(tuple(params["treatment_terms"]))
                if any(treatment.find(other) for _, other in texts):
                    return None
            return {"basis": basis, "field": field, "term": term}
    return None


def _maritime_text(counted: list[str], sampled: list[str], at_sea: dict | None) -> str:
    """The rationale of MARITIME_DATA: the activities counted, and why sampling was at sea."""
    text = "Seabed or ocean data collected: maritime_activities " + ", ".join(
        _quote(a) for a in counted
    )
    if at_sea is not None:
        why = (
            "with maritime_activities " + ", ".join(_quote(a) for a in at_sea["activities"])
            if at_sea["basis"] == "activity"
            else f"{at_sea['field']} says {_quote(at_sea['term'])}"
        )
        text += f" ({', '.join(sampled)} counts as work at sea: {why})"
    return text


@check("MARITIME_DATA")
def maritime_data(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """Seabed or ocean data collected; water-quality sampling only for work at sea."""
    activities = [a for a in context.maritime if a in rule.params["maritime_activities"]]
    sampled = [a for a in context.maritime if a in rule.params["at_sea_only"]]
    at_sea = _at_sea(context, rule) if sampled else None
    counted = [a for a in context.maritime if a in activities or (at_sea and a in sampled)]
    if not counted:
        return None
    text = _maritime_text(counted, sampled, at_sea)
    reason = {
        "key": "maritime_data",
        "activities": activities,
        "sampled": sampled if at_sea else [],
        "at_sea": at_sea,
    }
    return Finding(text + ".", reason=reason)


@check("DUAL_USE")
def dual_use(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """Export-controlled categories declared or dual-use technology; some categories weigh more."""
    reasons = [f"export_control_categories {_quote(c)}" for c in context.categories]
    reasons += context.technology_reasons(rule.params["technology_categories"])
    if not reasons:
        return None
    high = [c for c in context.categories if c in rule.params["high_categories"]]
    reason = {
        "key": "dual_use",
        "categories": list(context.categories),
        "technologies": context.technology_categories(rule.params["technology_categories"]),
        "raised_by": high,
    }
    return Finding(
        "Dual-use technology: "
        + ", ".join(reasons)
        + "."
        + (f" Categories {', '.join(high)} raise the severity." if high else ""),
        severity=rule.params["high_categories_severity"] if high else None,
        reason=reason,
    )


def _foreign_state_reason(i: int, participant: dict, ruleset: Ruleset) -> tuple[str, dict] | None:
    """Why a foreign state-owned participant is of concern (its country, its stake, or both),
    as rationale text and as reason data."""
    country = participant.get("country")
    stake = participant.get("stake_percentage")
    stake = Decimal(str(stake)) if stake is not None else None
    of_concern = country in ruleset.countries_of_concern
    over = stake is not None and stake >= ruleset.stake_threshold
    why = []
    if of_concern:
        why.append(f"from {country}, a country of concern")
    if over:
        why.append(f"holding {stake}% (threshold {ruleset.stake_threshold}%)")
    if not why:
        return None
    text = (
        f"participants[{i}] {_quote(participant['name'])}, "
        f"state-owned {participant['role']} " + " and ".join(why)
    )
    data = {
        "position": i + 1,
        "name": participant["name"],
        "role": participant["role"],
        "country": country,
        "country_of_concern": of_concern,
        "stake": str(stake) if over else None,
        "threshold": str(ruleset.stake_threshold),
    }
    return text, data


@check("FOREIGN_STATE_INVESTOR")
def foreign_state_investor(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """A foreign state-owned investor or operator in a core-sector project."""
    core = context.core_sectors
    if not core:
        return None
    reasons = [
        _foreign_state_reason(i, p, ruleset)
        for i, p in enumerate(context.participants)
        if p.get("state_owned")
        and p.get("role") in rule.params["roles"]
        # the recipient's own state is not a foreign investor
        and p.get("country") not in context.recipients
    ]
    reasons = [reason for reason in reasons if reason]
    if not reasons:
        return None
    return Finding(
        "; ".join(text for text, _ in reasons) + f", in core sector {', '.join(core)}.",
        source=ruleset.countries_source,
        reason={
            "key": "foreign_state",
            "participants": [data for _, data in reasons],
            "sectors": list(core),
        },
    )


@check("SURVEILLANCE")
def surveillance(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """Surveillance cameras from a vendor of concern."""
    categories = rule.params["technology_categories"]
    cameras = [h for h in context.vendor_matches if h.item.get("category") in categories]
    if not cameras:
        return None
    return Finding(
        "Surveillance cameras from a vendor of concern: "
        + ", ".join(f"{h.path} {_quote(h.name)} ({h.match.vendor.name})" for h in cameras)
        + ".",
        source=_sources(cameras),
        reason={"key": "surveillance", "cameras": [h.reason() for h in cameras]},
    )


@check("CRITICAL_INFRASTRUCTURE")
def critical_infrastructure(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """A project in a critical-infrastructure sector (for information)."""
    core = context.core_sectors
    if not core:
        return None
    groups = context.sector_groups
    return Finding(
        "Core-sector project: " + ", ".join(f"sector {c} ({groups[c]})" for c in core) + ".",
        reason={
            "key": "critical_infrastructure",
            "sectors": [{"code": c, "group": groups[c]} for c in core],
        },
    )


@check("INCOMPLETE_DISCLOSURE")
def incomplete_disclosure(context: Context, rule: Rule, ruleset: Ruleset) -> Finding | None:
    """An exposed sector with no technology vendor and no contractor or supplier named."""
    groups = rule.params["sector_groups"]
    exposed = sorted(code for code, group in context.sector_groups.items() if group in groups)
    named_vendor = any((t.get("vendor") or "").strip() for t in context.technologies)
    roles = rule.params["disclosing_roles"]
    named_party = any(p.get("role") in roles for p in context.participants)
    if not exposed or named_vendor or named_party:
        return None
    return Finding(
        f"Sector {', '.join(exposed)} project names no technology "
        "vendor and no contractor or supplier among its participants.",
        reason={"key": "incomplete_disclosure", "sectors": exposed},
    )
