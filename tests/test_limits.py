"""registry/limits.py: the in-memory counters count without a sweeper thread, and still
forget counters whose window has passed."""

from __future__ import annotations

import threading
import time

from limits import parse, strategies

from registry.limits import QuietMemoryStorage


def test_counting_starts_no_threads():
    storage = QuietMemoryStorage()
    limiter = strategies.FixedWindowRateLimiter(storage)
    item = parse("3 per minute")
    before = threading.active_count()
    results = [limiter.hit(item, "token", "a") for _ in range(4)]
    assert results == [True, True, True, False]
    time.sleep(0.03)  # limits' own MemoryStorage would start another sweeper thread here
    assert limiter.hit(item, "token", "b") is True  # per key
    assert threading.active_count() == before
    assert not storage.timer.is_alive()


def test_expired_counters_are_dropped_on_read_and_by_the_sweep():
    storage = QuietMemoryStorage()
    storage.incr("old", expiry=0.01)
    storage.incr("read-again", expiry=0.01)
    time.sleep(0.02)
    assert storage.get("read-again") == 0  # expired: read as zero and dropped
    assert "old" in storage.storage  # nobody read it yet
    storage.next_sweep = time.time()  # the sweep falls due with the next count
    storage.incr("new", expiry=60)
    assert "old" not in storage.storage and storage.get("new") == 1
    assert storage.next_sweep > time.time() + 30


def test_the_app_counts_in_memory_without_the_sweeper(app):
    assert isinstance(app.extensions["registry_rate_limits"].strategy.storage, QuietMemoryStorage)
