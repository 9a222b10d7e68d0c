"""A reviewer's decision and the review queue's arguments."""

from __future__ import annotations

from marshmallow import ValidationError, fields, pre_load

from schemas.base import StrictSchema
from schemas.fields import Choice, Coded, CountryCode, List, Problem, Text, fail
from schemas.query import Limit

# The review queue's orders: the worst flag first (then the longest waiting), the longest
# or the shortest waiting first, or by the first recipient country's name.
QUEUE_SORTS = ("severity", "oldest", "newest", "country")
QUEUE_PAGE_SIZE = 25


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


class QueueSort(Coded, fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if value not in QUEUE_SORTS:
            fail(
                f"{value!r} is not an order of the review queue; allowed: "
                f"{', '.join(QUEUE_SORTS)}.",
                "invalid_sort",
            )
        return value


class ReviewQueueArgsSchema(StrictSchema):
    """The queue as the API reads it: a review status, an order (the longest waiting first
    by default), the screening filters (a flag of this severity, this flag, this recipient
    country; repeat for any of several) and a page number (`limit` projects a page)."""

    status = Choice("review_statuses", load_default="pending")
    sort = QueueSort(load_default="oldest")
    severity = List(Choice("severities"))
    flag = List(Choice("flags"))
    country = List(CountryCode())
    page = Limit(load_default=1, maximum=10_000)
    limit = Limit(load_default=100, maximum=500)


class ReviewQueuePageArgsSchema(ReviewQueueArgsSchema):
    """The queue as the reviewers' page reads it: the most serious first, 25 a page."""

    sort = QueueSort(load_default="severity")
    limit = Limit(load_default=QUEUE_PAGE_SIZE, maximum=200)
