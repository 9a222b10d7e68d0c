"""/api/v1/reviews, /api/v1/projects/{id}/review and /api/v1/screening/rules."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from registry.api.auth import current_actor, token_required
from registry.api.docs import documenter
from registry.api.http import json_response, project_response, read_json
from registry.services import projects, screening
from registry.services.errors import ValidationFailed
from schemas.api import ProjectOutSchema, ProjectPageSchema
from schemas.errors import printable

blp = Blueprint(
    "reviews",
    __name__,
    url_prefix="/api/v1",
    description="Security screening: the review queue, decisions and the rules.",
)
document = documenter(blp)


class ReviewQueueArgsSchema(Schema):
    status = fields.String(
        load_default="pending", validate=validate.OneOf(screening.REVIEW_STATUSES)
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class ReviewDecisionSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(screening.DECISIONS))
    note = fields.String(required=True, validate=validate.Length(1, 10_000))


class RulesSchema(Schema):
    version = fields.String(required=True)
    rules = fields.List(fields.Dict(), required=True)
    pillars = fields.List(fields.Dict(), required=True)
    vendors = fields.List(fields.Dict(), required=True)
    countries_of_concern = fields.List(fields.String(), required=True)
    core_sector_stake_threshold = fields.String(required=True)
    sources = fields.List(fields.Dict(), required=True)


@blp.route("/reviews", methods=["GET"])
@token_required(roles=("reviewer", "admin"))
@blp.arguments(ReviewQueueArgsSchema(), location="query", unknown=RAISE, as_kwargs=False)
@document(200, ProjectPageSchema, errors=(401, 403, 422, 429))
def review_queue(args):
    """The review queue: projects in a review status (pending by default), oldest first."""
    actor = current_actor()
    items = screening.review_queue(args["status"], args["limit"])
    return json_response(
        {"items": [projects.project_document(p, actor) for p in items], "next": None}
    )


@blp.route("/projects/<int:project_id>/review", methods=["POST"])
@token_required(write=True, roles=("reviewer",))
@document(
    200,
    ProjectOutSchema,
    body=ReviewDecisionSchema,
    errors=(400, 401, 403, 404, 413, 415, 422, 429),
    headers=("ETag",),
)
def review_decide(project_id: int):
    """Record a review decision (`{status, note}`); decisions are never edited or deleted."""
    body = read_json()
    if not isinstance(body, dict):
        raise ValidationFailed(
            [
                {
                    "field": "",
                    "code": "invalid_type",
                    "message": "Send a JSON object with status and note.",
                }
            ]
        )
    unknown = sorted(set(body) - {"status", "note"})
    if unknown:
        raise ValidationFailed(
            [
                {
                    "field": printable(name),
                    "code": "unknown_field",
                    "message": "Unknown field; send only status and note.",
                }
                for name in unknown
            ]
        )
    project = screening.review_decide(
        project_id, body.get("status"), body.get("note"), current_actor()
    )
    return project_response(project)


@blp.route("/screening/rules", methods=["GET"])
@token_required()
@document(200, RulesSchema, errors=(401, 429))
def screening_rules():
    """The active screening rules and lists, with the ruleset version and their sources."""
    return json_response(screening.active_ruleset().describe())
