"""registry/limits.py: the in-memory counters count without a sweeper thread, and still
forget counters whose window has passed."""

from __future__ import annotations

import threading
import time

from limits import parse, strategies
from limits.storage import storage_from_string

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
    threads = [v for v in vars(storage).values() if isinstance(v, threading.Thread)]
    assert not any(thread.is_alive() for thread in threads)  # no sweeper timer running


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


def test_the_quiet_storage_is_a_limits_storage_scheme():
    storage = storage_from_string("quiet-memory://")
    assert isinstance(storage, QuietMemoryStorage)
    assert storage.check() is True


def test_a_count_starts_again_when_its_window_ends():
    storage = QuietMemoryStorage()
    assert [storage.incr("k", expiry=0.05) for _ in range(3)] == [1, 2, 3]
    first_end = storage.get_expiry("k")
    assert first_end > time.time() and storage.get("k") == 3
    time.sleep(0.06)
    assert storage.incr("k", expiry=0.05, amount=2) == 2  # a new window, counted from zero
    assert storage.get_expiry("k") > first_end and storage.get("k") == 2
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", expiry=60)
    storage.incr("b", expiry=60)
    assert storage.reset() == 2 and storage.get("a") == 0


def test_a_fixed_window_limit_lets_requests_through_again_after_the_window():
    limiter = strategies.FixedWindowRateLimiter(QuietMemoryStorage())
    item = parse("2 per second")
    assert [limiter.hit(item, "t") for _ in range(3)] == [True, True, False]
    assert limiter.test(item, "t") is False
    reset, remaining = limiter.get_window_stats(item, "t")
    assert remaining == 0 and time.time() < reset <= time.time() + 1
    time.sleep(reset - time.time() + 0.01)
    assert limiter.test(item, "t") is True and limiter.hit(item, "t") is True


def test_many_counts_start_no_thread_and_lose_none():
    storage = QuietMemoryStorage()
    before = threading.active_count()
    for n in range(2000):
        storage.incr(f"key-{n % 50}", expiry=0.001 if n % 2 else 60)
        storage.get(f"key-{n % 50}")
    assert threading.active_count() == before
    # Counted from several threads at once, every count is kept (one lock).
    workers = [
        threading.Thread(target=lambda: [storage.incr("shared", expiry=60) for _ in range(500)])
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert storage.get("shared") == 4000
    assert threading.active_count() == before
