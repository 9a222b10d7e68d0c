"""Arguments of the CSV exports: the list's filters plus the shape of a project export,
or the grouping and currency conversion of a summary."""

from __future__ import annotations

from marshmallow import fields

from registry import reference
from schemas.base import StrictSchema
from schemas.fields import Choice, Coded, fail
from schemas.query import Flag, ProjectFilterSchema


class GroupBy(Coded, fields.Field):
    """Summary dimensions, each once: repeated values or comma-separated ones."""

    is_multiple = True  # webargs reads every value of a repeated query parameter

    def _deserialize(self, value, attr, data, **kwargs):
        allowed = reference.vocabulary("summary_dimensions")
        values = value if isinstance(value, list) else [value]
        strings = all(isinstance(raw, str) for raw in values)
        chosen = [v for raw in values if isinstance(raw, str) for v in raw.split(",") if v]
        if (
            not strings
            or not chosen
            or any(v not in allowed for v in chosen)
            or len(set(chosen)) != len(chosen)
        ):
            fail(
                f"Group by one or more of: {', '.join(allowed)}, each once (got "
                + (", ".join(chosen) or "nothing")
                + ").",
                "invalid_choice",
            )
        return chosen


class CurrencyTarget(Coded, fields.Field):
    """A three-letter currency code to convert amounts to (any case; blank for none)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = value.strip().upper() if isinstance(value, str) else None
        if text == "":
            return None
        if text is None or len(text) != 3 or not text.isalpha():
            fail(
                f"{value!r} is not a three-letter currency code (for example USD).",
                "invalid_currency",
            )
        return text


class SummaryArgsSchema(StrictSchema):
    group_by = GroupBy(
        required=True,
        metadata={
            "description": "One or more of "
            + ", ".join(reference.vocabulary("summary_dimensions"))
            + " (repeat, or comma-separate)."
        },
    )
    convert_to = CurrencyTarget(
        load_default=None,
        metadata={"description": "Add a converted amount with the registry's rates table."},
    )


class ProjectExportArgsSchema(ProjectFilterSchema):
    explode = Choice("export_shapes", load_default="project")
    excel = Flag(load_default=False)


class SummaryExportArgsSchema(ProjectFilterSchema, SummaryArgsSchema):
    excel = Flag(load_default=False)
