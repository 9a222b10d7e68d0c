"""Screening flags in plain words, in the page's language: Jinja globals for every page.

- `flag_why(flag)`: why this flag was raised on this project, from the reason stored as data
  with the flag (registry/rules/checks.py says which keys and parameters); a flag stored
  before reasons were falls back to its rationale text, and one the viewer may not see the
  reason of (no `reason`, no `rationale`) gives "".
- `flag_meaning(code)`: what the flag means, one sentence (seed/screening/legend.toml).
- `flag_source(flag)`: the list or rules the flag comes from, cited in the page's language
  (titles of outside lists stay as their publishers wrote them).
- `flag_legend()`: every flag with its name, severity, pillar, meaning, what a reviewer
  checks and whether lists show it by default.
- `visible_flags(flags, show_information=False)` and `information_flags()`: information-only
  flags (rules.toml `visible_by_default = false`) are left out of badges unless asked for.

Flags are dicts (a project document's `security.flags`) or objects with the same names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import ngettext

from registry import rules
from registry.rules.ruleset import RULES_SOURCE, source_citations
from registry.web.blueprint import bp
from registry.web.helpers import country_name, date, label, language, number, sector_name

_RULES_SOURCE = re.compile(re.escape(RULES_SOURCE).replace(re.escape("{version}"), "(.+?)"))


def _get(flag, name: str, default=None):
    if isinstance(flag, dict):
        return flag.get(name, default)
    return getattr(flag, name, default)


def _list(items: Iterable[str]) -> str:
    return format_list([str(i) for i in items], locale=language())


def _sector(code: str) -> str:
    return _("%(sector)s (DAC %(code)s)", sector=sector_name(code), code=code)


def _percent(value) -> str:
    try:
        return number(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


# ---- one function per reason key; each returns the reason in words (sentences)


def _vendor_hit(hit: dict) -> str:
    """One name that matched the vendors-of-concern list, as a sentence."""
    alias = hit.get("alias")
    aliased = bool(alias) and alias != hit.get("vendor")
    if hit.get("field") == "participant":
        role = label("participant_roles", hit.get("role") or "")
        if aliased:
            return _(
                "Participant “%(name)s” (%(role)s) matches %(vendor)s on the list of vendors "
                "of concern, by its listed name “%(alias)s”.",
                name=hit.get("name"),
                role=role,
                vendor=hit.get("vendor"),
                alias=alias,
            )
        return _(
            "Participant “%(name)s” (%(role)s) matches %(vendor)s on the list of vendors "
            "of concern.",
            name=hit.get("name"),
            role=role,
            vendor=hit.get("vendor"),
        )
    category = _list(label("technology_categories", c or "") for c in hit["categories"])
    if aliased:
        return _(
            "The vendor “%(name)s” of the project's %(category)s matches %(vendor)s on the list "
            "of vendors of concern, by its listed name “%(alias)s”.",
            name=hit.get("name"),
            category=category,
            vendor=hit.get("vendor"),
            alias=alias,
        )
    return _(
        "The vendor “%(name)s” of the project's %(category)s matches %(vendor)s on the list "
        "of vendors of concern.",
        name=hit.get("name"),
        category=category,
        vendor=hit.get("vendor"),
    )


def _named(hits: list[dict]) -> str:
    return _list(
        _("%(vendor)s (named as “%(name)s”)", vendor=h.get("vendor"), name=h.get("name"))
        for h in hits
    )


def _vendor_match(reason: dict) -> list[str]:
    """One sentence a participant; one a technology vendor, however many of the project's
    technologies it supplies."""
    hits: dict[tuple, dict] = {}
    for hit in reason.get("matches") or []:
        if hit.get("field") == "participant":
            hits[("participant", hit.get("position"))] = hit
            continue
        key = ("technology", hit.get("name"), hit.get("vendor"), hit.get("alias"))
        same = hits.setdefault(key, {**hit, "categories": []})
        same["categories"].append(hit.get("category"))
    return [_vendor_hit(hit) for hit in hits.values()]


def _telecom_core(reason: dict) -> list[str]:
    items = [label("technology_categories", c) for c in reason.get("technologies") or []]
    items += [_sector(code) for code in reason.get("sectors") or []]
    said = [
        _(
            "The project builds or supplies core telecoms or data infrastructure: %(items)s.",
            items=_list(items),
        )
    ]
    if reason.get("supplied_by"):
        said.append(
            _(
                "A vendor of concern supplies it, which makes the flag critical: %(vendors)s.",
                vendors=_named(reason["supplied_by"]),
            )
        )
    return said


def _undersea_cable(reason: dict) -> list[str]:
    items = [label("technology_categories", c) for c in reason.get("technologies") or []]
    items += [label("maritime_activities", a) for a in reason.get("activities") or []]
    return [_("The project supplies or lays an undersea cable: %(items)s.", items=_list(items))]


def _text_field(field: str) -> str:
    return {
        "title": _("project title"),
        "description": _("project description"),
        "location": _("location name"),
        "tag": _("project tag"),
    }.get(field, field)


def _maritime_data(reason: dict) -> list[str]:
    said = []
    if reason.get("activities"):
        said.append(
            _(
                "The project collects seabed or ocean data: %(activities)s.",
                activities=_list(label("maritime_activities", a) for a in reason["activities"]),
            )
        )
    at_sea = reason.get("at_sea") or {}
    if at_sea.get("basis") == "activity":
        said.append(
            _(
                "Its water-quality sampling counts as ocean data because it goes with work at "
                "sea: %(activities)s.",
                activities=_list(label("maritime_activities", a) for a in at_sea["activities"]),
            )
        )
    elif at_sea.get("basis") == "offshore":
        said.append(
            _(
                "Its water-quality sampling counts as ocean data because the work is offshore: "
                "the %(field)s says “%(term)s”.",
                field=_text_field(at_sea.get("field", "")),
                term=at_sea.get("term"),
            )
        )
    elif at_sea.get("basis") == "coastal":
        said.append(
            _(
                "Its water-quality sampling counts as ocean data because the work is on the "
                "coast, not at a sewage works: the %(field)s says “%(term)s”.",
                field=_text_field(at_sea.get("field", "")),
                term=at_sea.get("term"),
            )
        )
    return said


def _dual_use(reason: dict) -> list[str]:
    items = [
        _(
            "export-control category %(code)s (%(name)s)",
            code=c,
            name=label("export_control_categories", c),
        )
        for c in reason.get("categories") or []
    ]
    items += [label("technology_categories", c) for c in reason.get("technologies") or []]
    said = [
        _(
            "The project involves dual-use technology or export-controlled items: %(items)s.",
            items=_list(items),
        )
    ]
    raised = reason.get("raised_by") or []
    if raised:
        said.append(
            ngettext(
                "Category %(categories)s makes the flag high.",
                "Categories %(categories)s make the flag high.",
                len(raised),
                categories=_list(raised),
            )
        )
    return said


def _state_participant(p: dict) -> str:
    values = {
        "name": p.get("name"),
        "role": label("participant_roles", p.get("role") or ""),
        "country": country_name(p["country"]) if p.get("country") else _("an unnamed country"),
        "stake": _percent(p.get("stake")),
        "threshold": _percent(p.get("threshold")),
    }
    if p.get("country_of_concern") and p.get("stake") is not None:
        return _(
            "“%(name)s”, a state-owned %(role)s from %(country)s, a country of concern, holds "
            "%(stake)s%% (the threshold is %(threshold)s%%).",
            **values,
        )
    if p.get("country_of_concern"):
        return _(
            "“%(name)s”, a state-owned %(role)s from %(country)s, a country of concern, takes "
            "part.",
            **values,
        )
    return _(
        "“%(name)s”, a state-owned %(role)s from %(country)s, holds %(stake)s%% "
        "(the threshold is %(threshold)s%%).",
        **values,
    )


def _foreign_state(reason: dict) -> list[str]:
    said = [_state_participant(p) for p in reason.get("participants") or []]
    said.append(
        _(
            "The project is in a core sector: %(sectors)s.",
            sectors=_list(_sector(c) for c in reason.get("sectors") or []),
        )
    )
    return said


def _surveillance(reason: dict) -> list[str]:
    return [
        _(
            "Surveillance cameras come from a vendor of concern: %(vendors)s.",
            vendors=_named(reason.get("cameras") or []),
        )
    ]


def _critical_infrastructure(reason: dict) -> list[str]:
    sectors = _list(
        _(
            "%(sector)s (DAC %(code)s, %(group)s)",
            sector=sector_name(s.get("code", "")),
            code=s.get("code", ""),
            group=label("sector_groups", s.get("group", "")),
        )
        for s in reason.get("sectors") or []
    )
    return [
        _(
            "The project is in a critical-infrastructure sector: %(sectors)s. This is for "
            "information; it needs no review.",
            sectors=sectors,
        )
    ]


def _incomplete_disclosure(reason: dict) -> list[str]:
    return [
        _(
            "The project is in %(sectors)s but names no technology vendor, contractor or "
            "supplier, so its supply chain cannot be screened.",
            sectors=_list(_sector(c) for c in reason.get("sectors") or []),
        )
    ]


REASONS: dict[str, Callable[[dict], list[str]]] = {
    "vendor_match": _vendor_match,
    "telecom_core": _telecom_core,
    "undersea_cable": _undersea_cable,
    "maritime_data": _maritime_data,
    "dual_use": _dual_use,
    "foreign_state": _foreign_state,
    "surveillance": _surveillance,
    "critical_infrastructure": _critical_infrastructure,
    "incomplete_disclosure": _incomplete_disclosure,
}


# ---- the globals


@bp.app_template_global()
def flag_why(flag) -> str:
    """Why `flag` was raised, in plain words in the page's language.

    From its stored `reason`; a flag without one (stored before reasons were, or a reason
    key this version does not know) gives its stored rationale text (English), and a flag
    whose reasons the viewer may not see gives ""."""
    reason = _get(flag, "reason")
    render = REASONS.get(reason.get("key")) if isinstance(reason, dict) else None
    if render is not None:
        said = render(reason)
        if said:
            # Japanese sentences follow one another without a space.
            return ("" if language() == "ja" else " ").join(said)
    return _get(flag, "rationale") or ""


def _in_language(texts: dict):
    return texts.get(language()) or texts.get("en")


@bp.app_template_global()
def flag_meaning(code: str) -> str:
    """What flag `code` means, one sentence in the page's language ("" for an unknown code)."""
    entry = rules.flag_legend()["flags"].get(code)
    return _in_language(entry["meaning"]) if entry else ""


@bp.app_template_global()
def flag_legend() -> list[dict]:
    """Every flag, in rules.toml order, as the legend shows it in the page's language:
    {code, label, severity, severity_label, pillar, pillar_code, pillar_description,
    meaning, reviewer_checks (a list), visible_by_default}."""
    legend = rules.flag_legend()
    return [
        {
            "code": code,
            "label": label("flags", code),
            "severity": entry["severity"],
            "severity_label": label("severities", entry["severity"]),
            "pillar": label("pillars", entry["pillar"]),
            "pillar_code": entry["pillar"],
            "pillar_description": _in_language(legend["pillars"].get(entry["pillar"], {})) or "",
            "meaning": _in_language(entry["meaning"]),
            "reviewer_checks": list(_in_language(entry["reviewer_checks"])),
            "visible_by_default": entry["visible_by_default"],
        }
        for code, entry in legend["flags"].items()
    ]


def _cite(text: str) -> str:
    """One source of a flag, cited anew in the page's language when it is a known one."""
    rules_source = _RULES_SOURCE.fullmatch(text)
    if rules_source:
        return _(
            "Registry screening rules %(version)s (seed/screening/rules.toml)",
            version=rules_source.group(1),
        )
    source = source_citations().get(text)
    if source is None:
        return text  # an admin's own entry: their words
    own = rules.flag_legend()["sources"].get(source["id"], {})
    return _(
        "%(title)s (%(publisher)s, as of %(date)s)",
        title=own.get("title", {}).get(language()) or source["title"],
        publisher=own.get("publisher", {}).get(language()) or source["publisher"],
        date=date(str(source["as_of"])),
    )


@bp.app_template_global()
def flag_source(flag) -> str:
    """Where `flag` comes from (the vendors list, the countries policy, the rules), cited in
    the page's language; "" when the viewer may not see it."""
    text = _get(flag, "source") or ""
    return "; ".join(_cite(part) for part in text.split("; ")) if text else ""


@bp.app_template_global()
def information_flags() -> frozenset[str]:
    """Codes of the information-only flags, which lists and badges show only when asked."""
    return rules.information_flags()


@bp.app_template_global()
def visible_flags(flags: Iterable, show_information: bool = False) -> list:
    """`flags` without the information-only ones, unless `show_information`."""
    hidden = frozenset() if show_information else rules.information_flags()
    return [f for f in flags or () if _get(f, "code") not in hidden]
