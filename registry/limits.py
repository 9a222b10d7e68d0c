"""Rate limits, counted with the `limits` library: API requests per token, failed sign-ins
per address and email.

Counters live in `RATELIMIT_STORAGE_URI`: `memory://` (each worker counts on its own) or
`redis://host:6379` (all workers and servers share one count). Fixed windows: a token
may make `API_RATE_LIMIT` requests (default 600 per minute) in each window.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g
from limits import RateLimitItem, parse, strategies
from limits.storage import MemoryStorage, storage_from_string
from werkzeug.exceptions import TooManyRequests

LOGIN_LIMIT = parse("5 per 15 minutes")


class QuietMemoryStorage(MemoryStorage):
    """limits' `memory://` storage without its sweeper thread.

    MemoryStorage starts a new `threading.Timer` every 10 ms while it holds counters, to
    drop expired ones. In a worker answering hundreds of requests a second those thread
    starts cost more than the counting (seen with py-spy under the list benchmark).
    Counters already expire when they are read (`MemoryStorage.get`), so here the sweep
    of counters nobody reads any more runs at most once a minute, in the request that
    falls due.
    """

    SWEEP_SECONDS = 60.0

    def __init__(self, uri: str = "memory://", **options):
        super().__init__(uri, **options)
        self.timer.cancel()
        self.timer.join()  # the one MemoryStorage.__init__ started ends now
        self.next_sweep = time.time() + self.SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer-starting hook
        now = time.time()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


@dataclass(frozen=True)
class RateLimits:
    strategy: strategies.FixedWindowRateLimiter
    api_limit: RateLimitItem


def init_rate_limits(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE_URI"]
    storage = QuietMemoryStorage() if uri == "memory://" else storage_from_string(uri)
    app.extensions["registry_rate_limits"] = RateLimits(
        strategies.FixedWindowRateLimiter(storage), parse(app.config["API_RATE_LIMIT"])
    )

    @app.after_request
    def rate_limit_headers(response):
        window = g.get("rate_limit_window")
        if window is not None:
            limit, remaining, reset = window
            response.headers["X-RateLimit-Limit"] = str(limit)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
            response.headers["X-RateLimit-Reset"] = str(math.ceil(reset))
        return response


def _limits() -> RateLimits:
    return current_app.extensions["registry_rate_limits"]


def _retry_after(item: RateLimitItem, *key: str) -> int:
    reset, _ = _limits().strategy.get_window_stats(item, *key)
    return max(1, math.ceil(reset - time.time()))


def count_api_request(token_key: str) -> None:
    """Count one request of an API token. Raises TooManyRequests (with Retry-After) past the limit.

    One increment and one expiry read per request (two round trips with Redis): the
    fixed-window count the strategy's `hit` makes, kept for the response headers.
    """
    item = _limits().api_limit
    storage = _limits().strategy.storage
    key = item.key_for("registry-api", token_key)
    count = storage.incr(key, item.get_expiry())
    reset = storage.get_expiry(key)
    if count > item.amount:
        raise TooManyRequests(
            f"This token has made its {item.amount} requests per {item.get_expiry()} seconds; "
            "wait for the next window (Retry-After).",
            retry_after=max(1, math.ceil(reset - time.time())),
        )
    g.rate_limit_window = (item.amount, item.amount - count, reset)


def check_sign_in_allowed(key: str) -> None:
    """Raise TooManyRequests when `key` (address and email) has failed too often lately."""
    if not _limits().strategy.test(LOGIN_LIMIT, "registry-login", key):
        raise TooManyRequests(
            "Too many failed sign-ins; wait a few minutes.",
            retry_after=_retry_after(LOGIN_LIMIT, "registry-login", key),
        )


def count_failed_sign_in(key: str) -> None:
    _limits().strategy.hit(LOGIN_LIMIT, "registry-login", key)
