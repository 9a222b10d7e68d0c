"""Country metadata from pycountry and `seed/`, in English or Japanese.

One function for the API, the pages and the exports: names (common and official),
codes, flag, currencies, M49 region and sub-region, and ISO 3166-2 subdivisions.
"""

from __future__ import annotations

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
from registry.services.errors import NotFound
from registry.services.summaries import allocated_cents


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
    cents = allocated_cents(amount, country.share_bp, [country.project_id], country.position)
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
