"""Per-token rate limits on the API (Flask-Limiter), in memory or in Redis."""
from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter import Limiter


def token_key() -> str:
    """The bucket of a request: its bearer token (hashed), else the client address.

    Keyed on the whole header, so nobody can spend another ministry's allowance by
    sending a token id they guessed.
    """
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()
    return "addr:" + (request.remote_addr or "unknown")


def api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter = Limiter(key_func=token_key, headers_enabled=True, key_prefix="registry")
