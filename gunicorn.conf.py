"""gunicorn settings for `make run` (and for the benchmarks, which use the same).

The registry's requests are CPU-bound Python, so parallelism comes from processes:
gunicorn's usual 2 x cores + 1 workers. Each has 4 threads (gthread), for the requests
that wait rather than compute: a client trickling its request body holds the thread that
reads it, and with one thread per worker, every request that worker had accepted waited
behind it (benchmarks/slow_clients.py, 2 cores, 5 workers: 1 slow client delayed 4 of 40
ordinary requests by the whole 20 s it lasted; 5 slow clients, the same with 2 threads).
With 4 threads, no ordinary request was delayed, by 1 or by 5 slow clients; it takes 4
slow clients on one worker to block it. A long CSV export or a writer waiting for
SQLite's lock holds one thread, not a worker. The earlier measurement that 4 threads cost
more CPU per list request (10% uncached, 75% cached, under the list benchmark's load) did
not repeat: slow_clients.py's worker CPU per request (16 keep-alive clients on a cached
page) was 3.9-4.3 ms for 1, 2, 4 and 8 threads alike, and `benchmarks/run.py --quick`
gave the list 0.38 and 0.39 x the bare route with 1 thread, 0.39 and 0.27 x with 4 (the
bare route on the same settings), on a machine loaded by other work (load 4.6-8.8 on 2
cores): no cost that stands out of that noise. Threads bound the slow clients one server
absorbs (workers x threads); a public deployment puts a buffering reverse proxy in front
(README, "Running it in production"), which reads whole requests before they reach a
worker.
"""

import multiprocessing
import os

bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REGISTRY_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("REGISTRY_THREADS", "4"))
timeout = 120
accesslog = "-"

# Request limits, above the registry's own (registry/request_limits.py): a request past the
# registry's limits gets the registry's answer (problem+json under /api, 414 or 431), not
# gunicorn's HTML. gunicorn's request line cannot exceed 8190 bytes; a reverse proxy in
# front sets its own limits a little above the registry's (README, "Request limits").
limit_request_line = 8190  # the registry: a URL of at most 4096 bytes
limit_request_fields = 128  # the registry: at most 100 header fields
limit_request_field_size = 16384  # the registry: at most 8192 bytes per header field


# ---- observability (registry/observability.py) --------------------------------------
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# Prometheus: each worker writes its counts to files in one directory, and a scrape by any
# worker adds them all up. A directory of our own per start unless one is given.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="registry-metrics-")
    os.environ["REGISTRY_METRICS_DIR_MADE"] = "1"
# Only now: prometheus_client chooses per-process or shared counts when first imported, and
# the workers inherit the master's choice.
from prometheus_client import multiprocess  # noqa: E402

# Access lines end with the request id the registry gave the answer (X-Request-Id).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)
if os.environ.get("REGISTRY_LOG_FORMAT", "").strip().lower() == "json":
    accesslog = None  # the registry writes its own access lines, as JSON
    # gunicorn's own lines and other libraries' as JSON too; the registry's logger has
    # its own handler (registry/observability.py), so it does not pass its lines on.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "registry.observability.JsonFormatter"}},
        "filters": {"request_id": {"()": "registry.observability.RequestIdFilter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "WARNING", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "registry": {"propagate": False},
        },
    }


def on_starting(server):
    """Counts of an earlier run are not this run's."""
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    """A worker gone: its live gauges are dropped (its counts stay in the sums)."""
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("REGISTRY_METRICS_DIR_MADE"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
