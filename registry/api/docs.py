"""OpenAPI description helpers: one decorator documents a route's body, headers and errors."""

from __future__ import annotations

from flask_smorest import Blueprint

from registry import reference
from schemas import fields as f
from schemas.api import ProblemSchema

PROBLEM = "application/problem+json"

ERROR_DESCRIPTIONS = {
    400: "Malformed JSON.",
    401: "Missing, unknown, expired or revoked token.",
    403: "The token may not do this (another ministry's record, read scope, wrong role).",
    404: "No such record.",
    409: "A request with the same Idempotency-Key is still being processed.",
    412: "If-Match names a version that is no longer current; nothing was written.",
    413: "The body is larger than 2 MB.",
    415: "The body is not JSON.",
    422: "Invalid input: `errors` lists every problem with its field path.",
    428: "If-Match is required.",
    429: "Too many requests for this token; see Retry-After.",
}

HEADER_DOCS = {
    "ETag": {
        "description": "The version of the record, for If-Match and If-None-Match.",
        "schema": {"type": "string"},
    },
    "Location": {"description": "URL of the created record.", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an "
        "earlier request with the same Idempotency-Key.",
        "schema": {"type": "string"},
    },
}


def _header(name: str, description: str, required: bool = False) -> dict:
    return {
        "in": "header",
        "name": name,
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def documenter(blp: Blueprint):
    """`document(status, schema, …)` for the routes of `blp`."""

    def document(
        status: int,
        schema=None,
        *,
        body=None,
        errors=(),
        headers=(),
        idempotent=False,
        if_match=False,
        conditional_get=False,
        merge_patch=False,
        csv=None,
    ):
        def decorator(view):
            parameters = []
            if idempotent:
                parameters.append(
                    _header(
                        "Idempotency-Key",
                        "Makes retries safe: the same key "
                        "and body replay the first response (kept 24 hours).",
                    )
                )
            if if_match:
                parameters.append(
                    _header(
                        "If-Match",
                        "The ETag of the version being changed. "
                        "Needed: without it the answer is 428.",
                    )
                )
            if conditional_get:
                parameters.append(_header("If-None-Match", "An ETag; 304 if still current."))
            extra = {"parameters": parameters, "security": [{"bearerAuth": []}]}
            if body is not None:
                types = ["application/json"]
                if merge_patch:
                    types.insert(0, "application/merge-patch+json")
                extra["requestBody"] = {
                    "required": True,
                    "content": {t: {"schema": body} for t in types},
                }
            response_headers = {name: HEADER_DOCS[name] for name in headers}
            if idempotent:
                response_headers["Idempotent-Replayed"] = HEADER_DOCS["Idempotent-Replayed"]
            if csv is not None:  # a CSV download: its 200 is text/csv, described by `csv`
                extra["responses"] = {
                    "200": {
                        "description": csv,
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    }
                }
            view = blp.doc(**extra)(view)
            for code in errors:
                error_headers = None
                if code == 429:
                    error_headers = {
                        "Retry-After": {
                            "description": "Seconds to wait.",
                            "schema": {"type": "string"},
                        }
                    }
                view = blp.alt_response(
                    code,
                    schema=ProblemSchema,
                    content_type=PROBLEM,
                    description=ERROR_DESCRIPTIONS[code],
                    headers=error_headers,
                )(view)
            if conditional_get:
                view = blp.alt_response(
                    304,
                    description="Not modified.",
                    success=True,
                    headers={"ETag": HEADER_DOCS["ETag"]},
                )(view)
            return blp.response(status, schema, headers=response_headers or None)(view)

        return decorator

    return document


def register_fields(api) -> None:
    """Tell apispec how our custom marshmallow fields look in OpenAPI."""
    api.register_field(f.Text, "string", None)
    api.register_field(f.Choice, "string", None)
    api.register_field(f.CountryCode, "string", None)
    api.register_field(f.CurrencyCode, "string", None)
    api.register_field(f.SectorCode, "string", None)
    api.register_field(f.Number, "string", None)
    api.register_field(f.Boolean, "boolean", None)
    api.register_field(f.Date, "string", "date")
    api.register_field(f.ServerOwned, "string", None)

    def attributes(self, field, **kwargs):
        ret = {}
        if isinstance(field, f.Text):
            if field.min_length:
                ret["minLength"] = field.min_length
            if field.max_length is not None:
                ret["maxLength"] = field.max_length
        elif isinstance(field, f.Choice):
            ret["enum"] = list(reference.vocabulary(field.vocabulary))
        elif isinstance(field, f.Number):
            ret["pattern"] = r"^-?[0-9]+(\.[0-9]+)?$"
            ret["description"] = "A decimal number, as a string (a JSON number is accepted too)."
        elif isinstance(field, f.List):
            if field.min_items:
                ret["minItems"] = field.min_items
            if field.max_items is not None:
                ret["maxItems"] = field.max_items
            if field.unique:
                ret["uniqueItems"] = True
        return ret

    api.ma_plugin.converter.add_attribute_function(attributes)
