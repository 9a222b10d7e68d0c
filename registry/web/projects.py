"""/projects, /projects/<id> (the reviewer's desk and its decision form), the review queue
and the flag legend."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from registry import reference
from registry.models.types import utcnow
from registry.services import history, listing, permissions
from registry.services import projects as project_service
from registry.services.actors import ADMIN, REVIEWER
from registry.services.documents import project_document
from registry.services.errors import ValidationFailed
from registry.services.reviews import SEVERITY_RANK, review_decide, review_queue_page
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from registry.web.flags import flag_legend, visible_flags
from registry.web.forms import ReviewForm
from registry.web.helpers import country_name, page_problems
from schemas.errors import flatten
from schemas.fields import List as ListField
from schemas.query import ProjectQueryArgsSchema
from schemas.reviews import QUEUE_PAGE_SIZE, QUEUE_SORTS, ReviewQueuePageArgsSchema

PAGE_SIZE = 25
_query_schema = ProjectQueryArgsSchema()


def parse_query(args) -> tuple[dict, list[dict]]:
    """Query-string filters through the API's own schema: (filters, problems in words).

    Names the schema does not know are left out (the page says which, see
    `helpers.ignored_parameters`); each problem names its field by the page's label and
    says what to do, in the page's language (`helpers.page_problem`)."""
    raw = {}
    for key in args:
        field = _query_schema.fields.get(key)
        if field is not None:
            raw[key] = args.getlist(key) if isinstance(field, ListField) else args.get(key)
    raw.setdefault("limit", str(PAGE_SIZE))
    try:
        return _query_schema.load(raw), []
    except ValidationError as error:
        problems = page_problems(flatten(error.messages), args)
        return _query_schema.load({"limit": str(PAGE_SIZE)}), problems


@bp.errorhandler(ValidationFailed)
def invalid_request_page(error: ValidationFailed):
    """A page's request a service refused (a summary's grouping, an uploaded rates table, a
    page link): every problem in words, on the error page, in the page's language."""
    problems = page_problems(error.errors, request.values)
    detail = ngettext(
        "One setting needs changing:", "%(num)d settings need changing:", len(problems)
    )
    return render_template(
        "error.html", status=422, title=_("Invalid request"), detail=detail, problems=problems
    ), 422


@bp.get("/")
@bp.get("/projects")
@signed_in()
def projects():
    """The projects list: search, facets with counts, chips, sort, pages."""
    actor = current_actor()
    query, problems = parse_query(request.args)
    try:
        page = listing.project_page(
            query, actor, sort=query["sort"], limit=query["limit"], cursor=query.get("cursor")
        )
        total = listing.project_count(query, actor)
        facets = listing.project_facets(query, actor)
    except ValidationFailed as error:
        problems += page_problems(error.errors, request.args)
        query, _problems = parse_query({})
        page = listing.project_page(query, actor, limit=PAGE_SIZE)
        total, facets = listing.project_count(query, actor), listing.project_facets(query, actor)
    documents = [project_document(p, actor) for p in page.items]
    status = 422 if problems else 200
    return render_template(
        "projects.html",
        projects=documents,
        total=total,
        facets=facets,
        query=query,
        problems=problems,
        next_cursor=page.next_cursor,
        can_see_security=permissions.can_filter_by_security(actor),
    ), status


class DecisionForm(ReviewForm):
    """The desk's decision: nothing chosen until the reviewer chooses (no default decision)."""

    status = SelectField(
        _l("Decision"),
        choices=[SelectChoice("", _l("Choose a decision…"))]
        + [SelectChoice(s, s) for s in reference.vocabulary("review_decisions")],
        default="",
        validators=[InputRequired(message=_l("Choose a decision from the list."))],
    )
    note = TextAreaField(
        _l("Reasons"),
        validators=[
            DataRequired(message=_l("Write the reasons for your decision.")),
            Length(max=10_000),
        ],
    )


def worst_flag(flags: list[dict]) -> dict | None:
    """The most serious of a project's flags (the first of equals), or None."""
    return max(flags, key=lambda f: SEVERITY_RANK.get(f["severity"], 0), default=None)


def _with_reasons(document: dict, view) -> list[dict]:
    """The document's flags, the most serious first; where the viewer sees each flag's
    rationale, with its reason as data too (what `flag_why` puts in words)."""
    flags = document.get("security", {}).get("flags", [])
    for shown, flag in zip(flags, view.screening.flags, strict=False):
        if "rationale" in shown and shown["code"] == flag.code:
            shown["reason"] = flag.reason
    flags.sort(key=lambda f: -SEVERITY_RANK.get(f["severity"], 0))
    return flags


def _project_page(project_id: int, form: DecisionForm | None, status: int = 200):
    actor = current_actor()
    item = project_service.project_get(project_id)
    document = project_document(item, actor)
    _with_reasons(document, item)
    versions = history.project_history(project_id, actor)
    return render_template("project.html", project=document, history=versions, form=form), status


@bp.get("/projects/<int:project_id>")
@signed_in()
def project(project_id: int):
    """Everything about one project, its flags (as the role allows) and its history; for
    reviewers, the desk: every flag explained beside the decision form."""
    form = DecisionForm() if permissions.can_decide_review(current_actor()) else None
    return _project_page(project_id, form)


_REVIEW_PROBLEMS = {
    "not_reviewable": _l("This project has no flag above info, so there is nothing to review."),
}


@bp.post("/projects/<int:project_id>/review")
@signed_in(roles=(REVIEWER,))
def project_review(project_id: int):
    """A reviewer's decision, from the form on the project page. A form with a problem is
    shown again (422) with each problem beside its field and what was written kept."""
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            review_decide(
                project_id,
                {"status": form.status.data, "note": form.note.data},
                current_actor(),
            )
        except ValidationFailed as error:
            for problem in error.errors:
                field = form.status if problem.get("field") != "note" else form.note
                message = _REVIEW_PROBLEMS.get(problem.get("code"))
                field.errors = [*field.errors, str(message or problem["message"])]
            return _project_page(project_id, form, 422)
        flash(_("Decision recorded."), "success")
        return redirect(url_for("web.project", project_id=project_id))
    return _project_page(project_id, form, 422)


_queue_schema = ReviewQueuePageArgsSchema()
QUEUE_LABELS = {
    "sort": _l("Sort by"),
    "severity": _l("Severity"),
    "flag": _l("Security flag"),
    "country": _l("Country"),
    "page": _l("Page"),
    "limit": _l("Projects per page"),
    "status": _l("Review status"),
}


def _queue_args(args) -> tuple[dict, list[str]]:
    """The queue's settings from the address (names it does not know are left out, and said)."""
    raw, ignored = MultiDict(), []
    for key in args:
        field = _queue_schema.fields.get(key)
        if field is None:
            if key != "lang":
                ignored.append(key)
        elif isinstance(field, ListField):
            raw.setlist(key, [v for v in args.getlist(key) if v != ""])
        elif args.get(key) != "":
            raw[key] = args.get(key)
    lists = {k for k, f in _queue_schema.fields.items() if isinstance(f, ListField)}
    return {k: (raw.getlist(k) if k in lists else raw[k]) for k in raw}, ignored


def _queue_problems(errors: list[dict], args, pages: int | None) -> list[dict]:
    """The queue's problems in words: each field by its label, and what to do."""
    problems = []
    for problem in page_problems(errors, args):
        name = problem["name"]
        problem["field"] = str(QUEUE_LABELS.get(name, problem["field"]))
        if name == "page":
            problem["message"] = _(
                "“%(value)s” is not a page of this queue. Choose a page from 1 to %(pages)d.",
                value=args.get("page", ""),
                pages=pages or 1,
            )
        elif name == "sort":
            problem["message"] = _(
                "“%(value)s” is not an order of the queue. Choose one from the “Sort by” list.",
                value=args.get("sort", ""),
            )
        problems.append(problem)
    return problems


def _queue_without_problems(actor, args: dict):
    """The queue for the settings that work, and the problems of those that do not (each
    refused setting is left out in turn: a bad sort, then a page past the last …)."""
    errors: list[dict] = []
    for _attempt in range(len(args) + 1):
        try:
            return review_queue_page(actor, args), errors
        except ValidationFailed as error:
            errors += error.errors
            refused = {str(e.get("field", "")).partition("[")[0] for e in error.errors}
            args = {k: v for k, v in args.items() if k not in refused}
    return review_queue_page(actor, {}), errors


@bp.get("/reviews")
@signed_in(roles=(REVIEWER, ADMIN))
def reviews():
    """The review queue: sorted (the worst flag first by default), filtered by severity,
    flag and country, a page at a time; each project with its most serious reason."""
    actor = current_actor()
    args, ignored = _queue_args(request.args)
    queue, errors = _queue_without_problems(actor, args)
    problems = _queue_problems(errors, request.args, queue.pages)
    now = utcnow()
    items = []
    for view in queue.items:
        document = project_document(view, actor)
        flags = visible_flags(_with_reasons(document, view))
        worst = worst_flag(flags)
        items.append(
            {
                "project": document,
                "worst": worst,
                "others": sorted(
                    (f for f in flags if f is not worst),
                    key=lambda f: -SEVERITY_RANK.get(f["severity"], 0),
                ),
                "waited": now - view.review_status_since,
                "since": view.review_status_since,
            }
        )
    countries = sorted(queue.by_country.items(), key=lambda item: country_name(item[0]))

    def queue_url(**changes) -> str:
        """This queue's address (only the settings it understood) with some changed."""
        settings = {k: queue.query.get(k) for k in ("sort", "severity", "flag", "country")}
        if settings["sort"] == "severity":  # the defaults
            del settings["sort"]
        if queue.per_page != QUEUE_PAGE_SIZE:
            settings["limit"] = queue.per_page
        settings = {k: v for k, v in settings.items() if v}
        return url_for("web.reviews", **settings, **changes)

    return render_template(
        "reviews.html",
        queue=queue,
        items=items,
        problems=problems,
        ignored=ignored,
        sorts=QUEUE_SORTS,
        countries=countries,
        queue_url=queue_url,
    ), (422 if problems else 200)


@bp.get("/flags")
@signed_in()
def flag_legend_page():
    """What every security flag means, which pillar of the strategy it serves, and what a
    reviewer checks: for every signed-in person."""
    return render_template("flags.html", legend=flag_legend())
