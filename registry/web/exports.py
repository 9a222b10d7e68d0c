"""/exports (the planners' page) and the downloads /exports/projects.csv and
/exports/summary.csv.

The page reads its filters as the list does (`filters.page_query`: "Any" is no filter, a
bad value is left out and said next to its field), previews the first rows of the
chosen shape and the summary, and builds its download links from what it previewed, so
a link never carries a filter the page did not understand. The downloads themselves
refuse a bad filter (422): a file must not quietly hold more than was asked for.
"""

from __future__ import annotations

from itertools import islice

from flask import render_template, request, url_for
from werkzeug.exceptions import UnprocessableEntity

from registry import csv_cells
from registry.api.http import link_base
from registry.exports import csv_response
from registry.services import exports, listing, summaries
from registry.services.errors import ValidationFailed
from registry.web import filters
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from registry.web.helpers import page_problems
from schemas.exports import ProjectExportArgsSchema
from schemas.query import ProjectFilterSchema

PREVIEW_ROWS = 10
SUMMARY_PREVIEW_ROWS = 20
DEFAULT_GROUP_BY = ("country",)
_export_schema = ProjectExportArgsSchema()
_filter_schema = ProjectFilterSchema()


def _refuse(problems: list[dict]) -> None:
    """A download with a filter it does not understand: the error page, in words."""
    if problems:
        raise UnprocessableEntity("; ".join(f"{p['field']}: {p['message']}" for p in problems))


def _preview_rows(query: dict, shape: str) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows of the export, as cells."""
    rows = exports.project_export(
        query, current_actor(), shape, link_base(), batch=PREVIEW_ROWS + 1
    )
    try:
        header, *first = islice(rows, PREVIEW_ROWS + 1)
    finally:
        rows.close()
    return list(header), [csv_cells.row_cells(row) for row in first]


def _summary(query: dict, args) -> tuple[list[str], str | None, list[str], list[list], list]:
    """The summary the page previews: (group_by, convert_to, header, rows, problems).

    A grouping or a currency it cannot use is said next to its field and the default
    used instead."""
    group_by = args.getlist("group_by") or list(DEFAULT_GROUP_BY)
    convert_to = args.get("convert_to") or None
    problems: list[dict] = []
    try:
        _stem, header, rows = summaries.summary_table(query, current_actor(), group_by, convert_to)
    except ValidationFailed as error:
        problems = page_problems(error.errors, args)
        wrong = {p["name"] for p in problems}
        if "group_by" in wrong:
            group_by = list(DEFAULT_GROUP_BY)
        if "convert_to" in wrong:
            convert_to = None
        _stem, header, rows = summaries.summary_table(query, current_actor(), group_by, convert_to)
    return group_by, convert_to, header, rows, problems


@bp.get("/exports")
@signed_in()
def exports_page():
    """The filters, the shape and the summary's grouping; a preview of the first rows
    and of the summary; downloads that carry exactly the previewed query."""
    actor = current_actor()
    query, problems = filters.page_query(request.args, _export_schema)
    shape = query["explode"]
    args = filters.non_empty(request.args)
    group_by, convert_to, summary_header, summary_rows, summary_problems = _summary(query, args)
    problems += summary_problems
    header, preview = _preview_rows(query, shape)

    chosen = filters.filter_args(query)
    excel = [("excel", "1")] if query["excel"] else []
    shape_args = [] if shape == "project" else [("explode", shape)]
    summary_args = [
        *chosen,
        *(("group_by", g) for g in group_by),
        *([("convert_to", convert_to)] if convert_to else []),
    ]
    return render_template(
        "exports.html",
        query=query,
        shape=shape,
        problems=problems,
        total=listing.project_count(query, actor),
        header=header,
        preview=preview,
        group_by=group_by,
        convert_to=convert_to,
        summary_header=summary_header,
        summary_rows=summary_rows[:SUMMARY_PREVIEW_ROWS],
        summary_total=len(summary_rows),
        download_url=filters.link(url_for("web.export_projects"), chosen + shape_args + excel),
        summary_url=filters.link(url_for("web.export_summary"), summary_args + excel),
        list_url=filters.link(url_for("web.projects"), chosen),
    ), 422 if problems else 200


def _uploaded_rates(upload) -> summaries.Rates:
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            [{"field": "rates", "code": "empty", "message": "Not a UTF-8 CSV file."}]
        ) from None
    return summaries.parse_rates(text, upload.filename)


@bp.get("/exports/projects.csv")
@signed_in()
def export_projects():
    """Every project matching the list's filters, streamed as CSV."""
    query, problems = filters.page_query(request.args, _export_schema)
    _refuse(problems)
    shape = query["explode"]
    rows = exports.project_export(query, current_actor(), shape, link_base())
    return csv_response(rows, csv_cells.export_stem(shape), excel=query["excel"])


@bp.route("/exports/summary.csv", methods=["GET", "POST"])
@signed_in()
def export_summary():
    """Counts and sums per group and currency; POST uploads a rates table to convert with.

    The filters come from the address; the grouping, the currency and the Excel choice
    from the address or the form."""
    args = filters.non_empty(request.values)
    query, problems = filters.page_query(request.args, _filter_schema)
    _refuse(problems)
    upload = request.files.get("rates")
    rates = _uploaded_rates(upload) if upload and upload.filename else None
    stem, header, rows = summaries.summary_table(
        query, current_actor(), args.getlist("group_by"), args.get("convert_to"), rates
    )
    return csv_response(csv_cells.safe_rows(header, rows), stem, excel=args.get("excel") == "1")
