"""/projects, /projects/<id> and the review decision form."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError

from registry.services import history, listing, permissions
from registry.services import projects as project_service
from registry.services.actors import ADMIN, REVIEWER
from registry.services.documents import project_document
from registry.services.errors import ValidationFailed
from registry.services.reviews import review_decide, review_queue
from registry.web.auth import current_actor, signed_in
from registry.web.blueprint import bp
from registry.web.forms import ReviewForm
from registry.web.helpers import page_problems
from schemas.errors import flatten
from schemas.fields import List as ListField
from schemas.query import ProjectQueryArgsSchema

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


@bp.get("/projects/<int:project_id>")
@signed_in()
def project(project_id: int):
    """Everything about one project, its flags (as the role allows) and its history."""
    actor = current_actor()
    item = project_service.project_get(project_id)
    document = project_document(item, actor)
    versions = history.project_history(project_id, actor)
    form = ReviewForm() if permissions.can_decide_review(actor) else None
    return render_template("project.html", project=document, history=versions, form=form)


@bp.post("/projects/<int:project_id>/review")
@signed_in(roles=(REVIEWER,))
def project_review(project_id: int):
    """A reviewer's decision, from the form on the project page."""
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review_decide(
                project_id,
                {"status": form.status.data, "note": form.note.data},
                current_actor(),
            )
        except ValidationFailed as error:
            for problem in error.errors:
                flash(problem["message"], "error")
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("web.project", project_id=project_id))
    else:
        for field, messages in form.errors.items():
            label = form[field].label.text if field in form else field
            for message in messages:
                flash(f"{label}: {message}", "error")
    return redirect(url_for("web.project", project_id=project_id))


@bp.get("/reviews")
@signed_in(roles=(REVIEWER, ADMIN))
def reviews():
    """The review queue: pending projects, the longest waiting first."""
    actor = current_actor()
    queue = [project_document(p, actor) for p in review_queue(actor, {"limit": 200})]
    return render_template("reviews.html", queue=queue)
