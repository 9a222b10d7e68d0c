"""gunicorn settings for `make run` (and for the benchmarks, which use the same).

The registry's requests are CPU-bound Python, so parallelism comes from processes:
gunicorn's usual 2 x cores + 1 workers, one request at a time each. More threads per
worker only queue on the interpreter lock (measured under the list benchmark's load: 4
threads cost about 10% more CPU per uncached list request than 1, and about 75% more per
cached one). The gthread worker is kept for HTTP keep-alive, which the
sync worker does not do. A long CSV export holds one worker while it streams.
"""

import multiprocessing
import os

bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REGISTRY_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("REGISTRY_THREADS", "1"))
timeout = 120
accesslog = "-"
