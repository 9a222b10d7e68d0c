"""/api/v1/exports/*.csv: the planners' CSV files for token holders (same filters as the list)."""
from __future__ import annotations

from flask import Response, request, stream_with_context
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate

from registry import exports
from registry.api.auth import current_actor, token_required
from registry.api.docs import documenter
from registry.services import summaries
from registry.services.errors import ValidationFailed
from schemas.query import Flag, ProjectFilterSchema

blp = Blueprint("exports", __name__, url_prefix="/api/v1/exports",
                description="CSV exports of projects and summaries, streamed.")
document = documenter(blp)


class ProjectExportArgsSchema(ProjectFilterSchema):
    explode = fields.String(load_default="project",
                            validate=validate.OneOf(exports.SHAPES))
    excel = Flag(load_default=False)


def csv_response(rows, what: str, excel: bool) -> Response:
    body = exports.csv_stream(rows, bom=excel)
    return Response(stream_with_context(body), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{exports.export_filename(what)}"'})


@blp.route("/projects.csv", methods=["GET"])
@token_required()
@blp.arguments(ProjectExportArgsSchema, location="query", unknown=RAISE, as_kwargs=False)
@blp.doc(security=[{"bearerAuth": []}], responses={"200": {
    "description": "CSV, one row per project (or per country or sector share with explode=).",
    "content": {"text/csv": {"schema": {"type": "string"}}}}})
@document(200, None, errors=(401, 403, 422, 429))
def export_projects(args):
    """Every project matching the filters, as CSV (see the README for the columns)."""
    shape = args["explode"]
    rows = exports.project_rows(args, current_actor(), shape, request.host_url.rstrip("/"))
    return csv_response(rows, "projects" if shape == "project" else f"projects-by-{shape}",
                        args["excel"])


class SummaryExportArgsSchema(ProjectFilterSchema):
    group_by = fields.List(fields.String(), required=True, metadata={
        "description": "One or more of " + ", ".join(summaries.DIMENSIONS)
                       + " (repeat, or comma-separate)."})
    convert_to = fields.String(validate=validate.Length(equal=3), metadata={
        "description": "Add a converted amount with the registry's rates table."})
    excel = Flag(load_default=False)


@blp.route("/summary.csv", methods=["GET"])
@token_required()
@blp.arguments(SummaryExportArgsSchema, location="query", unknown=RAISE, as_kwargs=False)
@blp.doc(security=[{"bearerAuth": []}], responses={"200": {
    "description": "CSV: project counts and amounts per group and currency.",
    "content": {"text/csv": {"schema": {"type": "string"}}}}})
@document(200, None, errors=(401, 403, 422, 429))
def export_summary(args):
    """Counts and sums per group and currency (never added across currencies)."""
    group_by = summaries.validate_group_by(args["group_by"])
    convert_to = (args.get("convert_to") or "").upper() or None
    rates = summaries.seed_rates() if convert_to else None
    if convert_to and convert_to not in rates.units:
        raise ValidationFailed([{"field": "convert_to", "code": "invalid_currency",
                                 "message": f"No rate for {convert_to}; the table has "
                                            f"{', '.join(sorted(rates.units))}."}])
    header, rows = summaries.summary_rows(args, current_actor(), group_by)
    header, rows = summaries.labelled(header, rows, rates, convert_to)
    return csv_response(exports.safe_rows(header, rows), f"summary-by-{'-'.join(group_by)}",
                        args["excel"])
