"""Rate limits: API requests per token, counted with the `limits` library; failed sign-ins
per address and email, counted in the database.

API counters live in `RATELIMIT_STORAGE_URI`: `memory://` (each worker counts on its own;
kept by QuietMemoryStorage below) or `redis://host:6379` (all workers and servers share one
count). Fixed windows: a token may make `API_RATE_LIMIT` requests (default 600 per minute)
in each window. While Redis cannot be reached, each worker counts on its own (so a token
gets at most workers × the limit), logs a warning once, tries Redis again every few
seconds, and /healthz says "degraded": an outage of the counters' store does not become
an outage of the registry.

Sign-in attempts are rows of `sign_in_attempts`, in the database every worker and server
shares whatever RATELIMIT_STORAGE_URI says, so "5 failed sign-ins per 15 minutes per
address and email" holds with any number of workers, and without Redis. An attempt is
written before its password is checked and deleted if it succeeds, so attempts racing
each other in several workers are counted too.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from datetime import datetime, timedelta
from typing import ClassVar

from flask import Flask, current_app, g
from limits import RateLimitItem, parse, strategies
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from sqlalchemy import delete, insert, select
from werkzeug.exceptions import TooManyRequests

from registry.database import write_transaction
from registry.extensions import db
from registry.models import SignInAttempt
from registry.models.types import utcnow

log = logging.getLogger(__name__)

SIGN_IN_ATTEMPTS = 5
SIGN_IN_WINDOW = timedelta(minutes=15)
# A store that does not answer within this many seconds counts as unreachable.
STORE_TIMEOUT_SECONDS = 0.5


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


class RateLimits:
    """The API's counters: the configured store, or this process's while it is unreachable."""

    RETRY_SECONDS = 5.0

    def __init__(self, uri: str, api_limit: RateLimitItem):
        self.shared = uri != "memory://"
        if self.shared:
            options = {}
            if uri.startswith(("redis", "valkey")):
                options = {
                    "socket_connect_timeout": STORE_TIMEOUT_SECONDS,
                    "socket_timeout": STORE_TIMEOUT_SECONDS,
                }
            storage = storage_from_string(uri, wrap_exceptions=True, **options)
        else:
            storage = QuietMemoryStorage()
        self.strategy = strategies.FixedWindowRateLimiter(storage)
        self.api_limit = api_limit
        self.local = storage if not self.shared else QuietMemoryStorage()
        self.unreachable_until: float | None = None  # time.monotonic(); None while reachable
        self._lock = threading.Lock()

    def count(self, key: str, expiry: int) -> tuple[int, float]:
        """Add one to `key`'s count: (the count in this window, when the window ends)."""
        if self.shared and not self._waiting():
            storage = self.strategy.storage
            try:
                count, reset = storage.incr(key, expiry), storage.get_expiry(key)
            except StorageError as error:
                self._unreachable(error)
            else:
                self._reachable()
                return count, reset
        return self.local.incr(key, expiry), self.local.get_expiry(key)

    def store_state(self) -> str | None:
        """For /healthz: "ok" or "unreachable" (asked now), None with per-process counters."""
        if not self.shared:
            return None
        if self.strategy.storage.check():
            self._reachable()
            return "ok"
        return "unreachable"

    def _waiting(self) -> bool:
        until = self.unreachable_until
        return until is not None and time.monotonic() < until

    def _unreachable(self, error: StorageError) -> None:
        with self._lock:
            first = self.unreachable_until is None
            self.unreachable_until = time.monotonic() + self.RETRY_SECONDS
        if first:
            log.warning(
                "Rate-limit store unreachable (%s); counting API requests per process until "
                "it answers again.",
                error.storage_error,
            )

    def _reachable(self) -> None:
        if self.unreachable_until is None:
            return
        with self._lock:
            was_unreachable, self.unreachable_until = self.unreachable_until is not None, None
        if was_unreachable:
            log.warning("Rate-limit store reachable again; counting there.")


def init_rate_limits(app: Flask) -> None:
    app.extensions["registry_rate_limits"] = RateLimits(
        app.config["RATELIMIT_STORAGE_URI"], parse(app.config["API_RATE_LIMIT"])
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


def rate_limits() -> RateLimits:
    return current_app.extensions["registry_rate_limits"]


def count_api_request(token_key: str) -> None:
    """Count one request of an API token. Raises TooManyRequests (with Retry-After) past the limit.

    One increment and one expiry read per request (two round trips with Redis): the
    fixed-window count the strategy's `hit` makes, kept for the response headers.
    """
    item = rate_limits().api_limit
    count, reset = rate_limits().count(item.key_for("registry-api", token_key), item.get_expiry())
    if count > item.amount:
        raise TooManyRequests(
            f"This token has made its {item.amount} requests per {item.get_expiry()} seconds; "
            "wait for the next window (Retry-After).",
            retry_after=max(1, math.ceil(reset - time.time())),
        )
    g.rate_limit_window = (item.amount, item.amount - count, reset)


# ---------------------------------------------------------------- sign-in attempts

_ATTEMPTS = SignInAttempt.__table__


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sign_in_attempt(key: str) -> int:
    """Count a sign-in attempt of `key` (address and email) before its password is checked.

    Raises TooManyRequests, with Retry-After, when `key` already has 5 attempts in the
    last 15 minutes; otherwise returns the attempt's id, for `sign_in_succeeded`. The
    attempt is committed before the attempts are counted, so of attempts racing in
    several workers the one committed last sees all the others: at most 5 get through.
    """
    now = utcnow()
    with write_transaction() as connection:
        connection.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.at <= now - SIGN_IN_WINDOW))
        inserted = connection.execute(insert(_ATTEMPTS).values(key=_digest(key), at=now))
    attempt_id = inserted.inserted_primary_key[0]
    with db.engine.connect() as connection:
        times = connection.scalars(
            select(_ATTEMPTS.c.at)
            .where(_ATTEMPTS.c.key == _digest(key), _ATTEMPTS.c.at > now - SIGN_IN_WINDOW)
            .where(_ATTEMPTS.c.id != attempt_id)
            .order_by(_ATTEMPTS.c.at)
        ).all()
    if len(times) < SIGN_IN_ATTEMPTS:
        return attempt_id
    _forget_attempt(attempt_id)  # refused, not failed: it does not prolong the wait
    raise TooManyRequests(
        "Too many failed sign-ins; wait a few minutes.",
        retry_after=_seconds_until_free(times, now),
    )


def _seconds_until_free(times: list[datetime], now: datetime) -> int:
    """Until enough of `times` have left the window for one more attempt."""
    frees_at = times[len(times) - SIGN_IN_ATTEMPTS] + SIGN_IN_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))


def sign_in_succeeded(attempt_id: int) -> None:
    """A right password: the attempt is not a failure."""
    _forget_attempt(attempt_id)


def _forget_attempt(attempt_id: int) -> None:
    with write_transaction() as connection:
        connection.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.id == attempt_id))
