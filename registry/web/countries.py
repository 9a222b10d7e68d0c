"""/countries (filtered by region and name) and /countries/<code> (alpha-2 canonical)."""

from __future__ import annotations

from babel.lists import format_list
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry import reference
from registry.names import country_from_code, currency_name
from registry.rules import SEVERITY_RANK
from registry.services import countries, listing
from registry.services.documents import project_document
from registry.web import helpers
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from schemas.query import ProjectQueryArgsSchema

# The list's filters: a chart bar narrows the list by currency and start year only
# when the list can filter by them (its link must not carry a filter it ignores).
LIST_FILTERS = frozenset(ProjectQueryArgsSchema().fields)
CURRENCY_FILTER = "currency" if "currency" in LIST_FILTERS else None
YEAR_FILTER = "start_year" if "start_year" in LIST_FILTERS else None
MAX_NAME = 100  # characters of the name filter
MAX_SHOWN_CODE = 40  # characters of an unknown code repeated on its 404 page
PROJECTS_SHOWN = 200


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


@bp.get("/countries")
@signed_in()
def countries_index():
    """The countries with projects (all of them when asked), by region and name."""
    language = helpers.language()
    problems = []
    region = (request.args.get("region") or "").strip()
    if region.isdigit():
        region = region.zfill(3)
    if region and region not in reference.region_names():
        problems.append(
            {
                "field": _("Region"),
                "message": _(
                    "%(value)s is not a UN M49 region code; choose a region from the list.",
                    value=repr(region[:MAX_SHOWN_CODE]),
                ),
            }
        )
        region = ""
    name = (request.args.get("q") or "").strip()
    if len(name) > MAX_NAME:
        problems.append(
            {
                "field": _("Name or code"),
                "message": _("At most %(num)d characters, please.", num=MAX_NAME),
            }
        )
        name = ""
    include_empty = _true(request.args.get("all"))
    items = countries.country_index(
        language, region=region or None, name=name or None, include_empty=include_empty
    )
    return render_template(
        "countries.html",
        countries=items,
        regions=countries.region_choices(language),
        region=region,
        name=name,
        include_empty=include_empty,
        problems=problems,
    ), 422 if problems else 200


def _unknown_country(code: str):
    shown = code if len(code) <= MAX_SHOWN_CODE else code[:MAX_SHOWN_CODE] + "…"
    return render_template("country_not_found.html", code=shown), 404


@bp.get("/countries/<code>")
@signed_in()
def country(code: str):
    """A country: its facts, committed amounts by sector and year, links to its projects.

    The alpha-2 code in capitals is the page's address; alpha-3, numeric and lower-case
    codes redirect there (301), keeping the query string."""
    found = country_from_code(code)
    if found is None:
        return _unknown_country(code)
    if code != found.alpha_2:
        target = url_for("web.country", code=found.alpha_2)
        query = request.query_string.decode("utf-8", "replace")
        return redirect(f"{target}?{query}" if query else target, 301)
    actor = current_actor()
    language = helpers.language()
    info = countries.country_with_projects(found.alpha_2, language)
    summary = countries.country_projects_summary(info["alpha2"])
    page = listing.project_page({"country": [info["alpha2"]]}, actor, limit=PROJECTS_SHOWN)
    documents = [project_document(p, actor) for p in page.items]

    def worst(document):
        flags = (document.get("security") or {}).get("flags") or []
        return max((SEVERITY_RANK[f["severity"]] for f in flags), default=0)

    documents.sort(key=lambda d: (-worst(d), d["title"]))
    charts = committed_charts(
        info["alpha2"], countries.committed_by_sector_year(info["alpha2"], actor)
    )
    return render_template(
        "country.html",
        country=info,
        summary=summary,
        projects=documents,
        charts=charts,
        committed_statuses=format_list(
            [helpers.label("statuses", s) for s in countries.COMMITTED_STATUSES],
            style="standard",
            locale=language,
        ),
        list_narrows=bool(CURRENCY_FILTER and YEAR_FILTER),
        more=page.next_cursor is not None,
    )


def _list_link(alpha2: str, category: str, currency: str, year: int | None = None) -> str:
    """The projects list of what one bar counts, as narrowly as the list can filter."""
    args = {
        "country": alpha2,
        "sector": category,
        "status": list(countries.COMMITTED_STATUSES),
    }
    if CURRENCY_FILTER:
        args[CURRENCY_FILTER] = currency
    if YEAR_FILTER and year is not None:
        args[YEAR_FILTER] = year
    return url_for("web.projects", **args)


def committed_charts(alpha2: str, charts: list[dict]) -> list[dict]:
    """The service's committed amounts as bars: one chart per currency, each sector a
    bar with a bar per start year under it, lengths in percent of the currency's largest
    sector, each bar a link to the list and the number of projects that list shows."""
    language = helpers.language()
    # What a bar's list shows when it cannot filter by currency: the sector's projects
    # (in that start year) in every currency. The page says so.
    every_currency: dict[tuple, set] = {}
    for chart in charts:
        for sector in chart["sectors"]:
            every_currency.setdefault((sector["category"],), set()).update(sector["project_ids"])
            for cell in sector["years"]:
                key = (sector["category"], cell["year"])
                every_currency.setdefault(key, set()).update(cell["project_ids"])

    def bar(cell: dict, top, currency: str, sector: dict, year=None) -> dict:
        category = sector["category"]
        by_year = YEAR_FILTER and year is not None
        if CURRENCY_FILTER:
            listed = cell["project_ids"] if by_year else sector["project_ids"]
        else:
            listed = every_currency[(category, year) if by_year else (category,)]
        return {
            "amount": cell["amount"],
            "count": len(cell["project_ids"]),
            "percent": _percent(cell["amount"], top),
            "href": _list_link(alpha2, category, currency, year),
            "list_count": len(listed),
        }

    out = []
    for chart in charts:
        currency = chart["currency"]
        top = max((s["total"] for s in chart["sectors"]), default=0)
        sectors = []
        for sector in chart["sectors"]:
            category = sector["category"]
            whole = {"amount": sector["total"], "project_ids": sector["project_ids"]}
            sectors.append(
                {
                    **bar(whole, top, currency, sector),
                    "category": category,
                    "name": helpers.category_name(category),
                    "years": [
                        {**bar(cell, top, currency, sector, cell["year"]), "year": cell["year"]}
                        for cell in sector["years"]
                    ],
                }
            )
        out.append(
            {
                "currency": currency,
                "currency_name": currency_name(currency, language),
                "total": chart["total"],
                "count": len(chart["project_ids"]),
                "sectors": sectors,
            }
        )
    return out


def _percent(amount, top) -> str:
    """A bar's length in percent of the longest, at least a sliver when not zero."""
    if not amount or not top:
        return "0"
    return f"{max(0.5, float(amount) / float(top) * 100):.1f}"
