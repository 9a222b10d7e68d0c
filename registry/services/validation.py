"""Loading input through a marshmallow schema, the one way every service validates."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError

from registry.services.errors import ValidationFailed
from schemas.errors import flatten


def load(schema: Schema, payload: Any) -> dict:
    """The validated, normalised input. Raises ValidationFailed listing every problem."""
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise ValidationFailed(flatten(error.messages)) from None


def load_collecting(schema: Schema, payload: dict[str, Any]) -> tuple[dict, list[dict]]:
    """`payload` loaded through `schema` without stopping at its problems: the normalised
    values of the fields that passed, and the problems of the others.

    The database checks then run on the values that passed and add their problems, so one
    call still reports every problem at once.
    """
    try:
        return load(schema, payload), []
    except ValidationFailed as failed:
        errors = list(failed.errors)
    failed_fields = {error["field"] for error in errors}
    valid = {
        name: field.deserialize(payload[name])
        for name, field in schema.fields.items()
        if name in payload and name not in failed_fields
    }
    return valid, errors
