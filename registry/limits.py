"""Rate limits, counted with the `limits` library: API requests per token, failed sign-ins
per address and email.

Counters live in `RATELIMIT_STORAGE_URI`: `memory://` (each worker counts on its own; kept
by QuietMemoryStorage below) or `redis://host:6379` (all workers and servers share one
count). Fixed windows: a token may make `API_RATE_LIMIT` requests (default 600 per minute)
in each window.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from flask import Flask, current_app, g
from limits import RateLimitItem, parse, strategies
from limits.storage import Storage, storage_from_string
from werkzeug.exceptions import TooManyRequests

LOGIN_LIMIT = parse("5 per 15 minutes")


class QuietMemoryStorage(Storage):
    """Counters in this process's memory, without a sweeper thread: `quiet-memory://`.

    limits registers every Storage subclass under its STORAGE_SCHEME, so
    `storage_from_string("quiet-memory://")` builds one. limits' own `memory://` storage
    starts a `threading.Timer` every 10 ms while it holds counters, to drop expired ones;
    in a worker answering hundreds of requests a second those thread starts cost more than
    the counting (seen with py-spy under the list benchmark). Here a counter whose window has
    passed reads as zero and is dropped when read or counted again, and the counters nobody
    reads any more are swept at most once a minute, by the count that falls due. Enough for
    the fixed-window strategy (no moving or sliding windows).
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["quiet-memory"]
    SWEEP_SECONDS = 60.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.storage: dict[str, int] = {}  # key → count in the current window
        self.expirations: dict[str, float] = {}  # key → when its window ends (time.time())
        self.lock = threading.Lock()
        self.next_sweep = time.time() + self.SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _forget(self, key: str) -> None:
        self.storage.pop(key, None)
        self.expirations.pop(key, None)

    def _current(self, key: str, now: float) -> int:
        """The count of `key`'s window (0 once it has ended, and then forgotten)."""
        if self.expirations.get(key, 0) <= now:
            self._forget(key)
            return 0
        return self.storage[key]

    def _sweep_if_due(self, now: float) -> None:
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            for key in [k for k, end in self.expirations.items() if end <= now]:
                self._forget(key)

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to `key`'s count; a new window of `expiry` seconds starts at zero."""
        with self.lock:
            now = time.time()
            self._sweep_if_due(now)
            count = self._current(key, now) + amount
            if count == amount:
                self.expirations[key] = now + expiry
            self.storage[key] = count
            return count

    def get(self, key: str) -> int:
        with self.lock:
            return self._current(key, time.time())

    def get_expiry(self, key: str) -> float:
        """When `key`'s window ends (now, when it has none)."""
        return self.expirations.get(key, time.time())

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self.lock:
            count = len(self.storage)
            self.storage.clear()
            self.expirations.clear()
            return count

    def clear(self, key: str) -> None:
        with self.lock:
            self._forget(key)


@dataclass(frozen=True)
class RateLimits:
    strategy: strategies.FixedWindowRateLimiter
    api_limit: RateLimitItem


def init_rate_limits(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE_URI"]
    storage = storage_from_string("quiet-memory://" if uri == "memory://" else uri)
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
