"""/api/v1/projects: partner ministries list, create, read, replace, patch, withdraw."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, request, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE

from registry.api.auth import current_actor, token_required
from registry.api.docs import documenter
from registry.api.http import (
    etag_of,
    etag_value,
    expected_version,
    idempotent,
    json_response,
    project_response,
    public_url,
    read_json,
)
from registry.api.list_cache import cached_list
from registry.errors import handle_service_error
from registry.project_view import ProjectView
from registry.services import history, listing, projects
from registry.services.documents import project_document
from registry.services.errors import VersionMismatch
from registry.services.projects import Expected
from schemas.api import BatchResponseSchema, HistorySchema, ProjectOutSchema, ProjectPageSchema
from schemas.project import ProjectInputSchema
from schemas.query import BatchQueryArgsSchema, ProjectQueryArgsSchema

blp = Blueprint(
    "projects",
    __name__,
    url_prefix="/api/v1/projects",
    description="Projects: the registry's records. Ministries read all, change their own.",
)
document = documenter(blp)
# Records are validated one by one (each gets its own result), so the body is any array.
BATCH_BODY = {
    "type": "array",
    "minItems": 1,
    "maxItems": 500,
    "items": {
        "description": "A project record (see ProjectInput); each is validated "
        "on its own and reported in `results`."
    },
}


def _headers(project) -> dict:
    return {
        "ETag": etag_of(project),
        "Location": url_for("projects.project_get", project_id=project.id),
    }


def _conditional_write(project_id: int, write: Callable[[Expected], ProjectView]) -> Response:
    """A ministry's change under If-Match (`write(expected)`): the changed project, or 412
    with the ETag of the project as it is now."""
    expected = expected_version()
    try:
        return project_response(write(expected))
    except VersionMismatch as error:
        response = handle_service_error(error)
        response.headers["ETag"] = etag_of(projects.project_get(project_id))
        return response


@blp.route("", methods=["GET"])
@token_required()
@cached_list
@blp.arguments(ProjectQueryArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(200, ProjectPageSchema, errors=(401, 403, 422, 429))
def project_list(args):
    """List projects, filtered and sorted, a page at a time.

    Repeating a filter (`country=VN&country=LA`) matches any of its values. `next`
    is the URL of the following page; pages stay stable while records are added.
    `flagged`, `flag`, `severity` and `review_status` are for people's tokens;
    a partner ministry using them gets 403.
    """
    actor = current_actor()
    page = listing.project_page_documents(
        args, actor, sort=args["sort"], limit=args["limit"], cursor=args.get("cursor")
    )
    next_url = None
    if page.next_cursor:
        query = request.args.to_dict(flat=False)
        query["cursor"] = [page.next_cursor]
        next_url = public_url(url_for("projects.project_list", **query))
    items = ",".join(page.items)
    body = f'{{"items":[{items}],"next":{json.dumps(next_url)}}}'
    return Response(body, mimetype="application/json")


@blp.route("", methods=["POST"])
@token_required(write=True, roles=("ministry",))
@document(
    201,
    ProjectOutSchema,
    body=ProjectInputSchema,
    errors=(400, 401, 403, 409, 413, 415, 422, 429),
    headers=("Location", "ETag"),
    idempotent=True,
)
def project_create():
    """Create a project; your ministry becomes its `reporting_org`.

    Send `Idempotency-Key` to make retries safe: the same key and body replay the
    first response (with `Idempotent-Replayed: true`) and create nothing.
    """
    payload = read_json()

    def create(record):
        out = {}

        def before_commit(view):
            out["body"], out["headers"] = (
                project_document(view, current_actor()),
                _headers(view),
            )
            if record:
                record(201, out["body"], out["headers"])

        projects.project_create(payload, current_actor(), before_commit=before_commit)
        return 201, out["body"], out["headers"]

    return idempotent(create)


@blp.route("/batch", methods=["POST"])
@token_required(write=True, roles=("ministry",))
@blp.arguments(BatchQueryArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(
    200,
    BatchResponseSchema,
    body=BATCH_BODY,
    errors=(400, 401, 403, 409, 413, 415, 422, 429),
    idempotent=True,
)
def project_batch(args):
    """Create up to 500 projects at once.

    With `atomic=true` all are created or none (422 lists every problem, paths
    prefixed `[index]`). Otherwise each record is created or refused on its own,
    and `results` has one entry per record, in order.
    """
    payload = read_json()

    def create(record):
        out = {}

        def before_commit(results):
            out["body"] = {"results": results}
            if record:
                record(200, out["body"], {})

        projects.project_batch_create(
            payload, current_actor(), atomic=args["atomic"], before_commit=before_commit
        )
        return 200, out["body"], {}

    return idempotent(create)


@blp.route("/<int:project_id>", methods=["GET"])
@token_required()
@document(200, ProjectOutSchema, errors=(401, 404, 429), headers=("ETag",), conditional_get=True)
def project_get(project_id: int):
    """One project. Send `If-None-Match` with its ETag to get 304 when unchanged."""
    project = projects.project_get(project_id)
    # The ETag, or the `"vN"` form given before record versions: N alone names the
    # representation too, since every change raises the version.
    if any(map(request.if_none_match.contains_weak, (etag_value(project), f"v{project.version}"))):
        return Response(status=304, headers={"ETag": etag_of(project)})
    return project_response(project)


@blp.route("/<int:project_id>", methods=["PUT"])
@token_required(write=True, roles=("ministry",))
@document(
    200,
    ProjectOutSchema,
    body=ProjectInputSchema,
    errors=(400, 401, 403, 404, 412, 413, 415, 422, 428, 429),
    headers=("ETag",),
    if_match=True,
)
def project_replace(project_id: int):
    """Replace a project's record as a whole (fields left out take their defaults)."""
    payload = read_json()
    return _conditional_write(
        project_id,
        lambda expected: projects.project_update(
            project_id, payload, current_actor(), expected_version=expected
        ),
    )


@blp.route("/<int:project_id>", methods=["PATCH"])
@token_required(write=True, roles=("ministry",))
@document(
    200,
    ProjectOutSchema,
    body={"type": "object", "description": "A JSON merge patch (RFC 7396) of the project record."},
    errors=(400, 401, 403, 404, 412, 413, 415, 422, 428, 429),
    headers=("ETag",),
    if_match=True,
    merge_patch=True,
)
def project_patch(project_id: int):
    """Change some fields with a JSON merge patch (RFC 7396); the result is validated whole."""
    patch = read_json()
    return _conditional_write(
        project_id,
        lambda expected: projects.project_patch(
            project_id, patch, current_actor(), expected_version=expected
        ),
    )


@blp.route("/<int:project_id>", methods=["DELETE"])
@token_required(write=True, roles=("ministry",))
@document(
    200, ProjectOutSchema, errors=(401, 403, 404, 412, 428, 429), headers=("ETag",), if_match=True
)
def project_withdraw(project_id: int):
    """Withdraw a project: it is kept, marked withdrawn and hidden from lists
    (`include_withdrawn=true` shows it); its history stays."""
    return _conditional_write(
        project_id,
        lambda expected: projects.project_withdraw(
            project_id, current_actor(), expected_version=expected
        ),
    )


@blp.route("/<int:project_id>/history", methods=["GET"])
@token_required()
@document(200, HistorySchema, errors=(401, 404, 429))
def project_history(project_id: int):
    """Every version of a project, oldest first: who, when, and a field-level diff."""
    return json_response({"items": history.project_history(project_id, current_actor())})
