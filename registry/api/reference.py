"""/api/v1/countries and /api/v1/sectors: the reference data, with project counts and totals."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE

from registry import reference
from registry.api.auth import token_required
from registry.api.docs import documenter
from registry.api.http import json_response
from registry.services import countries
from schemas.api import CountryListSchema, CountryQueryArgsSchema, CountrySchema, SectorListSchema

blp = Blueprint(
    "reference",
    __name__,
    url_prefix="/api/v1",
    description="Countries (ISO 3166, UN M49) and DAC sectors.",
)
document = documenter(blp)


@blp.route("/countries", methods=["GET"])
@token_required()
@blp.arguments(CountryQueryArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(200, CountryListSchema, errors=(401, 422, 429))
def country_list(args):
    """Every ISO 3166-1 country with its M49 region, project count and committed totals.

    Committed totals sum each project's share of its amount per currency (never
    across currencies), over projects in implementation, finalisation, closed or
    suspended; pipeline and cancelled projects are counted but not totalled.
    """
    return json_response({"items": countries.country_list_with_projects(args["lang"])})


@blp.route("/countries/<code>", methods=["GET"])
@token_required()
@blp.arguments(CountryQueryArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(200, CountrySchema, errors=(401, 404, 422, 429))
def country_get(args, code: str):
    """One country by alpha-2, alpha-3 or numeric code, with its subdivisions."""
    return json_response(countries.country_with_projects(code, args["lang"]))


@blp.route("/sectors", methods=["GET"])
@token_required()
@document(200, SectorListSchema, errors=(401, 429))
def sector_list():
    """The OECD DAC 5-digit purpose codes (withdrawn ones marked) with category and group."""
    return json_response(
        {
            "items": [
                {
                    "code": s.code,
                    "name": s.name,
                    "category": s.category,
                    "category_name": s.category_name,
                    "group": s.group,
                    "withdrawn": s.withdrawn,
                }
                for s in reference.sectors().values()
            ]
        }
    )
