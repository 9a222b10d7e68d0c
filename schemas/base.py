"""The base schema: unknown fields refused with a coded message; errors flattened to paths."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import RAISE, Schema

from schemas.fields import Problem


class StrictSchema(Schema):
    """Refuses unknown fields and says so per field."""

    class Meta:
        unknown = RAISE

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": Problem(
            "Unknown field; remove it (see the schema for the allowed fields).", "unknown_field"
        ),
        "type": Problem("Must be a JSON object.", "invalid_type"),
    }
