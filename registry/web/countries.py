"""/countries and /countries/<alpha-2>."""

from __future__ import annotations

from flask import abort, render_template

from registry.rules import SEVERITY_RANK
from registry.services import countries, listing
from registry.services.documents import project_document
from registry.services.errors import NotFound
from registry.web import helpers
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp


@bp.get("/countries")
@signed_in()
def countries_index():
    """Every country with projects, with counts; the rest listed after."""
    items = countries.country_list_with_projects(helpers.language())
    items.sort(key=lambda c: (-c["project_count"], c["name"]))
    return render_template("countries.html", countries=items)


@bp.get("/countries/<code>")
@signed_in()
def country(code: str):
    """A country: its ISO and M49 facts, totals by sector and status, a chart, its projects."""
    if len(code) != 2 or not code.isalpha():
        abort(404)
    actor = current_actor()
    try:
        info = countries.country_with_projects(code.upper(), helpers.language())
    except NotFound:
        abort(404)
    summary = countries.country_projects_summary(info["alpha2"])
    page = listing.project_page({"country": [info["alpha2"]]}, actor, limit=200)
    documents = [project_document(p, actor) for p in page.items]

    def worst(document):
        flags = (document.get("security") or {}).get("flags") or []
        return max((SEVERITY_RANK[f["severity"]] for f in flags), default=0)

    documents.sort(key=lambda d: (-worst(d), d["title"]))
    bars = chart(summary["by_sector_category"])
    return render_template(
        "country.html",
        country=info,
        summary=summary,
        projects=documents,
        bars=bars,
        more=page.next_cursor is not None,
    )


def chart(counts: dict[str, int], width: int = 320) -> list[dict]:
    """Bars for an inline SVG chart: label, value, length in pixels, y offset."""
    top = max(counts.values(), default=0) or 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        {
            "code": code,
            "label": helpers.category_name(code),
            "value": value,
            "length": max(2, round(width * value / top)),
            "y": i * 28,
        }
        for i, (code, value) in enumerate(ordered)
    ]
