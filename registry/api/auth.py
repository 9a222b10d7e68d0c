"""Who may call each API route. Every view declares it with `public` or `token_required`.

The declaration is both the check and the record: `view.access` is what the
route-walking test reads to prove that no route is left open by accident.
"""

from __future__ import annotations

from functools import wraps

from flask import request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from registry.limits import count_api_request
from registry.services import tokens

UNAUTHORIZED = (
    "A valid API token is required: send `Authorization: Bearer <token>`. Missing, "
    "unknown, expired and revoked tokens all get this answer."
)


def token_required(*, write: bool = False, roles: tuple[str, ...] | None = None):
    """A bearer token is required; `write` needs a write-scope token; `roles` limits the callers.

    Roles are `ministry` (a partner ministry's token) and the people's roles
    (`diplomat`, `reviewer`, `planner`, `admin`) for tokens issued to a person.
    Every call counts against the token's rate limit (registry/limits.py).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            count_api_request(actor.rate_limit_key)
            if roles is not None and actor.role not in roles:
                raise Forbidden(f"This operation is for {', '.join(roles)} tokens only.")
            if write and not actor.can_write:
                raise Forbidden("This token has read scope; a write-scope token is required.")
            return view(*args, **kwargs)

        wrapper.access = {"public": False, "write": write, "roles": roles}
        return wrapper

    return decorator


def current_actor():
    """The actor of this request's bearer token (kept on the request). Raises Unauthorized."""
    actor = getattr(request, "registry_actor", None)
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    scheme, _, text = header.partition(" ")
    found = tokens.token_authenticate(text.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise Unauthorized(UNAUTHORIZED, www_authenticate=_challenge())
    request.registry_actor = found
    return request.registry_actor


def _challenge():
    return WWWAuthenticate("bearer", {"realm": "registry"})
