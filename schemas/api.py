"""Shapes of API responses, for the OpenAPI description (the services build the bodies)."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry import reference
from schemas.fields import Choice


def _enum(vocabulary: str, *, description: str | None = None, **kw) -> fields.String:
    metadata = {"enum": list(reference.vocabulary(vocabulary))}
    if description:
        metadata["description"] = description
    return fields.String(metadata=metadata, **kw)


class ProblemFieldSchema(Schema):
    field = fields.String(
        required=True,
        metadata={"description": "Path of the field at fault, e.g. `sectors[1].code`."},
    )
    message = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "Machine-readable error code."})


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(ProblemFieldSchema))
    request_id = fields.String(
        metadata={
            "description": "The request's id, as in its X-Request-Id header and the server's "
            "logs: quote it when reporting a problem."
        }
    )


class ShareOutSchema(Schema):
    code = fields.String(required=True)
    percentage = fields.String(
        required=True, allow_none=True, metadata={"description": "Decimal as a string, or null."}
    )


class DatesOutSchema(Schema):
    planned_start = fields.Date(required=True, allow_none=True)
    planned_end = fields.Date(required=True, allow_none=True)
    actual_start = fields.Date(required=True, allow_none=True)
    actual_end = fields.Date(required=True, allow_none=True)


class FinanceOutSchema(Schema):
    amount = fields.String(required=True, metadata={"description": "Exact decimal, two places."})
    currency = fields.String(required=True)
    instrument = _enum("instruments", required=True)


class ParticipantOutSchema(Schema):
    name = fields.String(required=True)
    role = _enum("participant_roles", required=True)
    country = fields.String(allow_none=True)
    state_owned = fields.Boolean(required=True)
    stake_percentage = fields.String(allow_none=True)


class TechnologyOutSchema(Schema):
    category = _enum("technology_categories", required=True)
    vendor = fields.String(allow_none=True)
    vendor_country = fields.String(allow_none=True)


class LocationOutSchema(Schema):
    name = fields.String(required=True)
    latitude = fields.String(required=True)
    longitude = fields.String(required=True)
    subdivision = fields.String(allow_none=True)


class OrgRefSchema(Schema):
    ref = fields.String(required=True)
    name = fields.String(required=True)


class FlagOutSchema(Schema):
    code = _enum("flags", required=True)
    severity = _enum("severities", required=True)
    pillar = _enum("pillars", description="Diplomats, planners, reviewers, admins.")
    rationale = fields.String(metadata={"description": "Reviewers and admins only."})
    source = fields.String(metadata={"description": "Reviewers and admins only."})
    ruleset_version = fields.String(metadata={"description": "Reviewers and admins only."})


class DecisionOutSchema(Schema):
    status = fields.String(required=True)
    note = fields.String(required=True)
    reviewer = fields.String(required=True)
    decided_at = fields.DateTime(required=True)
    flags = fields.List(fields.List(fields.String()), required=True)


class SecurityOutSchema(Schema):
    """What the caller may know of the screening (need-to-know by role)."""

    review_status = _enum("review_statuses", required=True)
    flags = fields.List(fields.Nested(FlagOutSchema), required=True)
    ruleset_version = fields.String(metadata={"description": "Reviewers and admins only."})
    decisions = fields.List(
        fields.Nested(DecisionOutSchema), metadata={"description": "Reviewers and admins only."}
    )


class ProjectOutSchema(Schema):
    id = fields.Integer(required=True)
    identifier = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    status = _enum("statuses", required=True)
    recipient_countries = fields.List(fields.Nested(ShareOutSchema), required=True)
    sectors = fields.List(fields.Nested(ShareOutSchema), required=True)
    dates = fields.Nested(DatesOutSchema, required=True)
    finance = fields.Nested(FinanceOutSchema, required=True)
    participants = fields.List(fields.Nested(ParticipantOutSchema), required=True)
    technologies = fields.List(fields.Nested(TechnologyOutSchema), required=True)
    maritime_activities = fields.List(_enum("maritime_activities"), required=True)
    export_control_categories = fields.List(_enum("export_control_categories"), required=True)
    locations = fields.List(fields.Nested(LocationOutSchema), required=True)
    tags = fields.List(fields.String(), required=True)
    reporting_org = fields.Nested(OrgRefSchema, required=True)
    version = fields.Integer(required=True)
    withdrawn = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    security = fields.Nested(
        SecurityOutSchema,
        metadata={
            "description": "A ministry sees it on its own projects only (codes and severities); "
            "diplomats and planners also see pillars; reviewers and admins see "
            "everything."
        },
    )


class ProjectPageSchema(Schema):
    items = fields.List(fields.Nested(ProjectOutSchema), required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "URL of the next page, or null on the last."},
    )


class ChangeSchema(Schema):
    field = fields.String(required=True)
    old = fields.Raw(required=True, allow_none=True)
    new = fields.Raw(required=True, allow_none=True)


class VersionSchema(Schema):
    version = fields.Integer(required=True)
    action = _enum("history_actions", required=True)
    actor = fields.String(required=True)
    changed_at = fields.DateTime(required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    note = fields.String(
        required=True,
        metadata={
            "description": "Why, for versions nobody edited (a rescreen, a review decision)."
        },
    )


class HistorySchema(Schema):
    items = fields.List(fields.Nested(VersionSchema), required=True)


class BatchResultSchema(Schema):
    index = fields.Integer(required=True)
    status = fields.Integer(required=True)
    id = fields.Integer()
    errors = fields.List(fields.Nested(ProblemFieldSchema))


class BatchResponseSchema(Schema):
    results = fields.List(fields.Nested(BatchResultSchema), required=True)


class NamedCodeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CountryTotalSchema(Schema):
    currency = fields.String(required=True)
    amount = fields.String(required=True)


class SubdivisionSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True)
    parent = fields.String(required=True, allow_none=True)


class CountrySchema(Schema):
    alpha2 = fields.String(required=True)
    alpha3 = fields.String(required=True)
    numeric = fields.String(required=True)
    name = fields.String(required=True)
    official_name = fields.String(required=True)
    flag = fields.String(required=True)
    currencies = fields.List(fields.Nested(NamedCodeSchema), required=True)
    region = fields.Nested(NamedCodeSchema, required=True, allow_none=True)
    subregion = fields.Nested(NamedCodeSchema, required=True, allow_none=True)
    intermediate_region = fields.Nested(NamedCodeSchema, required=True, allow_none=True)
    subdivision_count = fields.Integer(required=True)
    subdivisions = fields.List(fields.Nested(SubdivisionSchema))
    project_count = fields.Integer(required=True)
    committed = fields.List(
        fields.Nested(CountryTotalSchema),
        required=True,
        metadata={
            "description": "Committed amounts by currency (the country's share of each project)."
        },
    )


class CountryListSchema(Schema):
    items = fields.List(fields.Nested(CountrySchema), required=True)


class SectorSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    category_name = fields.String(required=True)
    group = fields.String(required=True)
    withdrawn = fields.Boolean(required=True)


class SectorListSchema(Schema):
    items = fields.List(fields.Nested(SectorSchema), required=True)


class CountryQueryArgsSchema(Schema):
    lang = Choice("languages", load_default=reference.vocabulary("languages")[0])
