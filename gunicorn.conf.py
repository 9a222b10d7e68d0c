"""gunicorn settings for `make run` (and for the benchmarks, which use the same)."""
import os

bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REGISTRY_WORKERS", "2"))
worker_class = "gthread"
threads = 4
timeout = 120
accesslog = "-"
