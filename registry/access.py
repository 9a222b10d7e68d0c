"""Route access declarations shared by the API and the pages.

Each view says who may call it (`public`, or a decorator that sets `view.access`);
`access_of` reads the declaration, and a test walks the URL map with it.
"""

from __future__ import annotations

# Routes that Flask and flask-smorest add themselves, public by design: static files and
# the OpenAPI description.
PUBLIC_ENDPOINTS = frozenset({"static", "api-docs.openapi_json"})


def access_of(app, endpoint: str) -> dict | None:
    """What a route declares about its callers, or None if it declares nothing."""
    if endpoint in PUBLIC_ENDPOINTS:
        return {"public": True}
    return getattr(app.view_functions[endpoint], "access", None)


def public(view):
    """Anyone may call this view."""
    view.access = {"public": True}
    return view
