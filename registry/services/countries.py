"""Country metadata from pycountry and `seed/`, in English or Japanese.

One function for the API, the pages and the exports: names (common and official),
codes, flag, currencies, M49 region and sub-region, and ISO 3166-2 subdivisions.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from decimal import Decimal

import pycountry
from sqlalchemy import BigInteger, and_, case, func, select, type_coerce

from registry import reference
from registry.extensions import db
from registry.models import Project, ProjectCountry, ProjectSector
from registry.names import (
    country_from_code,
    country_name,
    currency_name,
    language_or_default,
    translate,
)
from registry.services import listing
from registry.services.actors import Actor
from registry.services.errors import NotFound
from registry.services.summaries import allocated_cents, currency_step, summary_shares


def _region(code: str, language: str = "en") -> dict | None:
    return {"code": code, "name": reference.region_name(code, language)} if code else None


def country_info(code: str, language: str = "en", *, subdivisions: bool = True) -> dict:
    """Everything the registry knows about one country. Raises NotFound for an unknown code."""
    language = language_or_default(language)
    country = country_from_code(code)
    if country is None:
        raise NotFound(f"{code!r} is not an ISO 3166-1 country code (alpha-2, alpha-3 or numeric).")
    region = reference.regions().get(country.alpha_2)
    official = getattr(country, "official_name", None) or country.name
    info = {
        "alpha2": country.alpha_2,
        "alpha3": country.alpha_3,
        "numeric": country.numeric,
        "name": country_name(country.alpha_2, language),
        "official_name": translate("iso3166-1", official, language),
        "flag": getattr(country, "flag", ""),
        "currencies": [
            {"code": c, "name": currency_name(c, language)}
            for c in reference.country_currencies().get(country.alpha_2, ())
        ],
        "region": _region(region.region_code, language) if region else None,
        "subregion": _region(region.subregion_code, language) if region else None,
        "intermediate_region": _region(region.intermediate_code, language) if region else None,
    }
    subs = pycountry.subdivisions.get(country_code=country.alpha_2) or []
    info["subdivision_count"] = len(subs)
    if subdivisions:
        info["subdivisions"] = sorted(
            (
                {
                    "code": s.code,
                    "name": translate("iso3166-2", s.name, language),
                    "type": s.type,
                    "parent": s.parent_code,
                }
                for s in subs
            ),
            key=lambda s: s["code"],
        )
    return info


def country_list(language: str = "en") -> list[dict]:
    """Every ISO 3166-1 country, without subdivisions, sorted by code."""
    return [
        country_info(c.alpha_2, language, subdivisions=False)
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    ]


COMMITTED_STATUSES = ("implementation", "finalisation", "closed", "suspended")


def country_project_stats(alpha2: str | None = None) -> dict[str, dict]:
    """Per recipient country (or just `alpha2`): project count and committed totals by currency.

    A country's total adds up its shares of the projects' amounts, split in cents by the
    rule of the exploded exports and summaries (`summaries.allocated_cents`): the same
    cents, exact on every database. The split sees all of a project's countries.
    """
    country, project = ProjectCountry.__table__.c, Project.__table__.c
    amount = type_coerce(project.amount, BigInteger)
    projects = project.withdrawn_at.is_(None)
    if alpha2:
        wanted = select(ProjectCountry.project_id).where(ProjectCountry.code == alpha2)
        projects = and_(projects, country.project_id.in_(wanted))
    step = currency_step(project.currency)
    cents = allocated_cents(amount, country.share_bp, [country.project_id], country.position, step)
    shares = (
        select(country.code, project.currency, project.status, cents.label("cents"))
        .join(Project.__table__, project.id == country.project_id)
        .where(projects)
        .subquery()
    )
    committed = case((shares.c.status.in_(COMMITTED_STATUSES), shares.c.cents), else_=None)
    query = select(shares.c.code, shares.c.currency, func.count(), func.sum(committed)).group_by(
        shares.c.code, shares.c.currency
    )
    if alpha2:
        query = query.where(shares.c.code == alpha2)
    stats: dict[str, dict] = {}
    for code, currency, count, cents in db.session.execute(query):
        entry = stats.setdefault(code, {"project_count": 0, "committed": {}})
        entry["project_count"] += count
        if cents is not None:
            entry["committed"][currency] = Decimal(int(cents)).scaleb(-2)
    return stats


def _with_stats(info: dict, stats: dict) -> dict:
    entry = stats.get(info["alpha2"], {"project_count": 0, "committed": {}})
    info["project_count"] = entry["project_count"]
    info["committed"] = [
        {"currency": currency, "amount": str(total.quantize(Decimal("0.01")))}
        for currency, total in sorted(entry["committed"].items())
    ]
    return info


def country_list_with_projects(language: str = "en") -> list[dict]:
    stats = country_project_stats()
    return [_with_stats(info, stats) for info in country_list(language)]


def country_with_projects(code: str, language: str = "en") -> dict:
    """One country with subdivisions, project count and committed totals. Raises NotFound."""
    info = country_info(code, language)
    return _with_stats(info, country_project_stats(info["alpha2"]))


def country_projects_summary(alpha2: str) -> dict:
    """A country's projects: counts by status and by DAC sector category, in the shape
    the country page draws (its committed totals come with `country_with_projects`)."""
    base = (
        select(Project.id)
        .join(ProjectCountry, ProjectCountry.project_id == Project.id)
        .where(ProjectCountry.code == alpha2, Project.withdrawn_at.is_(None))
    )
    by_status = {
        status: count
        for status, count in db.session.execute(
            select(Project.status, func.count())
            .where(Project.id.in_(base))
            .group_by(Project.status)
        )
    }
    by_sector = {
        category: count
        for category, count in db.session.execute(
            select(ProjectSector.category, func.count(func.distinct(ProjectSector.project_id)))
            .where(ProjectSector.project_id.in_(base))
            .group_by(ProjectSector.category)
        )
    }
    return {"by_status": by_status, "by_sector_category": by_sector}


# ---------------------------------------------------------------- the country list page


def region_choices(language: str = "en") -> list[dict]:
    """The M49 regions as a tree for a picker: each region (Africa, Asia, …) with its
    sub-regions and their intermediate regions, names in `language`, sorted by name."""
    language = language_or_default(language)
    tree: dict[str, dict[str, set[str]]] = {}
    for region in reference.regions().values():
        if not region.region_code:
            continue  # Antarctica
        subregions = tree.setdefault(region.region_code, {})
        if region.subregion_code:
            intermediates = subregions.setdefault(region.subregion_code, set())
            if region.intermediate_code:
                intermediates.add(region.intermediate_code)

    def named(code: str, depth: int, children: list | None = None) -> dict:
        item = {"code": code, "name": reference.region_name(code, language), "depth": depth}
        item["children"] = sorted(children or [], key=lambda c: c["name"])
        return item

    return sorted(
        (
            named(
                code,
                0,
                [
                    named(sub, 1, [named(i, 2) for i in intermediates])
                    for sub, intermediates in subs.items()
                ],
            )
            for code, subs in tree.items()
        ),
        key=lambda r: r["name"],
    )


def _folded(text: str) -> str:
    """Text compared without case, accents or width (`Côte` finds `cote`, `ＶＮ` finds `vn`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_index(
    language: str = "en",
    *,
    region: str | None = None,
    name: str | None = None,
    include_empty: bool = False,
) -> list[dict]:
    """The countries of the list page, most projects first, then by name.

    `region`: an M49 code at any level (its countries only); `name`: part of the name
    in `language` or in English, of the official name, or a code; `include_empty`: also
    the countries without projects (left out by default).
    """
    items = country_list_with_projects(language)
    if not include_empty:
        items = [c for c in items if c["project_count"]]
    if region:
        inside = set(reference.countries_in_region(region))
        items = [c for c in items if c["alpha2"] in inside]
    words = _folded(name or "").split()
    if words:

        def haystack(c: dict) -> str:
            english = country_name(c["alpha2"], "en")
            return _folded(
                " ".join((c["name"], english, c["official_name"], c["alpha2"], c["alpha3"]))
            )

        items = [c for c in items if all(w in haystack(c) for w in words)]
    items.sort(key=lambda c: (-c["project_count"], _folded(c["name"])))
    return items


# ---------------------------------------------------------------- the country page chart


def committed_by_sector_year(alpha2: str, viewer: Actor) -> list[dict]:
    """This country's committed amounts by DAC sector category and start year, one entry
    per currency held (amounts are never added across currencies), currencies by code.

    Committed: the projects in COMMITTED_STATUSES, not withdrawn, as the list filters
    them (`listing.project_filter`). Each project's amount is split among its countries,
    this country's share among the project's sectors, in cents by the rule of the
    summaries (`summaries.summary_shares`): the cells of one currency add up to the
    country's committed total in that currency.

    Each currency: {"currency", "total", "project_ids", "sectors": [{"category", "total",
    "project_ids", "years": [{"year" (None when not given), "amount", "project_ids"}]}]},
    sectors largest first, years in order. Raises PermissionDenied as `project_filter`.
    """
    conditions = listing.project_filter(
        {"country": [alpha2], "status": list(COMMITTED_STATUSES)}, viewer
    )
    shares = summary_shares(conditions, by_country=True, by_sector=True)
    keys = (shares.c.currency, shares.c.sector_category, shares.c.start_year, shares.c.project_id)
    query = (
        select(*keys, func.sum(shares.c.cents)).where(shares.c.country == alpha2).group_by(*keys)
    )
    cells: dict[str, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    for currency, category, year, project_id, cents in db.session.execute(query):
        cell = cells[currency][category].setdefault(year, {"cents": 0, "project_ids": set()})
        cell["cents"] += int(cents or 0)
        cell["project_ids"].add(project_id)

    def amount(cents: int) -> Decimal:
        return Decimal(cents).scaleb(-2)

    charts = []
    for currency in sorted(cells):
        sectors = []
        for category, years in cells[currency].items():
            ordered = sorted(years.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
            sectors.append(
                {
                    "category": category,
                    "total": amount(sum(c["cents"] for c in years.values())),
                    "project_ids": set().union(*(c["project_ids"] for c in years.values())),
                    "years": [
                        {
                            "year": year,
                            "amount": amount(c["cents"]),
                            "project_ids": c["project_ids"],
                        }
                        for year, c in ordered
                    ],
                }
            )
        sectors.sort(key=lambda s: (-s["total"], s["category"]))
        charts.append(
            {
                "currency": currency,
                "total": sum((s["total"] for s in sectors), Decimal(0)),
                "project_ids": set().union(*(s["project_ids"] for s in sectors)),
                "sectors": sectors,
            }
        )
    return charts
