"""/exports (the planners' page) and /exports/projects.csv (the download)."""

from __future__ import annotations

from itertools import islice

from flask import render_template, request
from werkzeug.exceptions import UnprocessableEntity

from registry import csv_cells
from registry.api.http import link_base
from registry.exports import csv_response
from registry.services import exports, listing, summaries
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from registry.web.projects import parse_query

PREVIEW_ROWS = 10


def _export_request() -> tuple[dict, list[dict], str]:
    """The list's filters, their problems, and the shape (`explode`) of this request."""
    query, problems = parse_query(_without(request.args, "explode", "excel"))
    shape = request.args.get("explode") or "project"
    if shape not in csv_cells.SHAPES:
        raise UnprocessableEntity(
            f"explode must be one of: {', '.join(csv_cells.SHAPES)} (got {shape!r})."
        )
    return query, problems, shape


def _rows(query: dict, shape: str, **options):
    """The export's rows, its filters checked for the reader before the first one."""
    return exports.project_export(query, current_actor(), shape, link_base(), **options)


@bp.get("/exports")
@signed_in()
def exports_page():
    """Filters, the shape, a preview of the first rows, and the download link."""
    query, problems, shape = _export_request()
    total = listing.project_count(query, current_actor())
    rows = list(islice(_rows(query, shape, batch=PREVIEW_ROWS + 1), PREVIEW_ROWS + 1))
    return render_template(
        "exports.html",
        header=rows[0],
        preview=[csv_cells.row_cells(row) for row in rows[1:]],
        total=total,
        shape=shape,
        problems=problems,
    ), 422 if problems else 200


def _without(args, *names):
    args = args.copy()
    for name in names:
        args.pop(name, None)
    return args


@bp.get("/exports/projects.csv")
@signed_in()
def export_projects():
    """Every project matching the list's filters, streamed as CSV."""
    query, problems, shape = _export_request()
    if problems:
        raise UnprocessableEntity("; ".join(f"{p['field']}: {p['message']}" for p in problems))
    return csv_response(
        _rows(query, shape),
        csv_cells.export_stem(shape),
        excel=request.args.get("excel") == "1",
    )


@bp.route("/exports/summary.csv", methods=["GET", "POST"])
@signed_in()
def export_summary():
    """Counts and sums per group and currency; POST uploads a rates table to convert with."""
    args = request.values
    query, problems = parse_query(_without(request.args, "group_by", "convert_to", "excel"))
    if problems:
        raise UnprocessableEntity("; ".join(f"{p['field']}: {p['message']}" for p in problems))
    upload = request.files.get("rates")
    rates = (
        summaries.parse_rates(upload.read().decode("utf-8-sig"), upload.filename)
        if upload and upload.filename
        else None
    )
    stem, header, rows = summaries.summary_table(
        query, current_actor(), args.getlist("group_by"), args.get("convert_to"), rates
    )
    return csv_response(csv_cells.safe_rows(header, rows), stem, excel=args.get("excel") == "1")
