"""/api/v1/exports/*.csv: the planners' CSV files for token holders (same filters as the list)."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate

from registry import exports
from registry.api.auth import current_actor, token_required
from registry.api.docs import documenter
from registry.services import summaries
from schemas.query import Flag, ProjectFilterSchema

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/exports",
    description="CSV exports of projects and summaries, streamed.",
)
document = documenter(blp)


class ProjectExportArgsSchema(ProjectFilterSchema):
    explode = fields.String(load_default="project", validate=validate.OneOf(exports.SHAPES))
    excel = Flag(load_default=False)


@blp.route("/projects.csv", methods=["GET"])
@token_required()
@blp.arguments(ProjectExportArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@blp.doc(
    security=[{"bearerAuth": []}],
    responses={
        "200": {
            "description": "CSV, one row per project (or per country or sector share with explode=).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
@document(200, None, errors=(401, 403, 422, 429))
def export_projects(args):
    """Every project matching the filters, as CSV (see the README for the columns)."""
    shape = args["explode"]
    rows = exports.project_rows(args, current_actor(), shape, request.host_url.rstrip("/"))
    return exports.csv_response(rows, exports.project_export_stem(shape), excel=args["excel"])


class SummaryExportArgsSchema(ProjectFilterSchema):
    group_by = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "One or more of "
            + ", ".join(summaries.DIMENSIONS)
            + " (repeat, or comma-separate)."
        },
    )
    convert_to = fields.String(
        validate=validate.Length(equal=3),
        metadata={"description": "Add a converted amount with the registry's rates table."},
    )
    excel = Flag(load_default=False)


@blp.route("/summary.csv", methods=["GET"])
@token_required()
@blp.arguments(SummaryExportArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@blp.doc(
    security=[{"bearerAuth": []}],
    responses={
        "200": {
            "description": "CSV: project counts and amounts per group and currency.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
@document(200, None, errors=(401, 403, 422, 429))
def export_summary(args):
    """Counts and sums per group and currency (never added across currencies)."""
    stem, header, rows = summaries.summary_table(
        args, current_actor(), args["group_by"], args.get("convert_to")
    )
    return exports.csv_response(exports.safe_rows(header, rows), stem, excel=args["excel"])
