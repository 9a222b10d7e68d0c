"""/api/v1/reviews, /api/v1/projects/{id}/review and /api/v1/screening/rules."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from registry.api.auth import current_actor, token_required
from registry.api.docs import documenter
from registry.api.http import json_response, project_response, public_url, read_json
from registry.services import reviews, screening
from registry.services.actors import ADMIN, REVIEWER
from registry.services.documents import project_document
from schemas.api import ProjectOutSchema, ProjectPageSchema
from schemas.reviews import ReviewDecisionSchema, ReviewQueueArgsSchema

blp = Blueprint(
    "reviews",
    __name__,
    url_prefix="/api/v1",
    description="Security screening: the review queue, decisions and the rules.",
)
document = documenter(blp)


class RulesSchema(Schema):
    version = fields.String(required=True)
    rules = fields.List(fields.Dict(), required=True)
    pillars = fields.List(fields.Dict(), required=True)
    vendors = fields.List(fields.Dict(), required=True)
    countries_of_concern = fields.List(fields.String(), required=True)
    core_sector_stake_threshold = fields.String(required=True)
    sources = fields.List(fields.Dict(), required=True)


@blp.route("/reviews", methods=["GET"])
@token_required(roles=(REVIEWER, ADMIN))
@blp.arguments(ReviewQueueArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(200, ProjectPageSchema, errors=(401, 403, 422, 429))
def review_queue(args):
    """The review queue: projects in a review status (pending by default), the longest
    waiting first (or `sort=severity|newest|country`), filtered by `severity`, `flag` and
    `country` as the project list is; `next` links to the following page, if any."""
    actor = current_actor()
    page = reviews.review_queue(actor, args)
    following = None
    if page.page < page.pages:
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        following = f"{public_url(request.path)}?{urlencode([*query, ('page', page.page + 1)])}"
    items = [project_document(p, actor) for p in page.items]
    return json_response({"items": items, "next": following})


@blp.route("/projects/<int:project_id>/review", methods=["POST"])
@token_required(write=True, roles=(REVIEWER,))
@document(
    200,
    ProjectOutSchema,
    body=ReviewDecisionSchema,
    errors=(400, 401, 403, 404, 413, 415, 422, 429),
    headers=("ETag",),
)
def review_decide(project_id: int):
    """Record a review decision (`{status, note}`); decisions are never edited or deleted."""
    return project_response(reviews.review_decide(project_id, read_json(), current_actor()))


@blp.route("/screening/rules", methods=["GET"])
@token_required()
@document(200, RulesSchema, errors=(401, 429))
def screening_rules():
    """The active screening rules and lists, with the ruleset version and their sources."""
    return json_response(screening.active_ruleset().describe())
