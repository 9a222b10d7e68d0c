"""A reviewer's decision and the review queue's arguments."""

from __future__ import annotations

from marshmallow import ValidationError, pre_load

from schemas.base import StrictSchema
from schemas.fields import Choice, Problem, Text
from schemas.query import Limit


class ReviewDecisionSchema(StrictSchema):
    """`{status, note}`: one of the review decisions, and the reasons for it."""

    status = Choice("review_decisions", required=True)
    note = Text(required=True, min_length=1, max_length=10_000, strip=True)

    @pre_load
    def _known_fields_first(self, data, **kwargs):
        """Fields it does not know are refused on their own: a body of another shape is
        answered with what is wrong with its shape, not with every field missing from it."""
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in self.fields)
            if unknown:
                problem = Problem("Unknown field; send only status and note.", "unknown_field")
                raise ValidationError({name: [problem] for name in unknown})
        return data


class ReviewQueueArgsSchema(StrictSchema):
    status = Choice("review_statuses", load_default="pending")
    limit = Limit(load_default=100, maximum=500)
