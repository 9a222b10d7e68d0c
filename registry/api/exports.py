"""/api/v1/exports/*.csv: the planners' CSV files for token holders (same filters as the list)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE

from registry.api.auth import current_actor, token_required
from registry.api.docs import documenter
from registry.api.http import link_base
from registry.csv_cells import export_stem, safe_rows
from registry.exports import csv_response
from registry.services import exports, summaries
from schemas.exports import ProjectExportArgsSchema, SummaryExportArgsSchema

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/exports",
    description="CSV exports of projects and summaries, streamed.",
)
document = documenter(blp)


@blp.route("/projects.csv", methods=["GET"])
@token_required()
@blp.arguments(ProjectExportArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(
    200,
    None,
    errors=(401, 403, 422, 429),
    csv="CSV, one row per project (or per country or sector share with explode=).",
)
def export_projects(args):
    """Every project matching the filters, as CSV (see the README for the columns)."""
    shape = args["explode"]
    rows = exports.project_export(args, current_actor(), shape, link_base())
    return csv_response(rows, export_stem(shape), excel=args["excel"])


@blp.route("/summary.csv", methods=["GET"])
@token_required()
@blp.arguments(SummaryExportArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(
    200,
    None,
    errors=(401, 403, 422, 429),
    csv="CSV: project counts and amounts per group and currency.",
)
def export_summary(args):
    """Counts and sums per group and currency (never added across currencies)."""
    stem, header, rows = summaries.summary_table(
        args, current_actor(), args["group_by"], args.get("convert_to")
    )
    return csv_response(safe_rows(header, rows), stem, excel=args["excel"])
