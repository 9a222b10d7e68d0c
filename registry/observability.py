"""What the registry tells its operators: request ids, log lines (text or JSON) and
Prometheus metrics.

- Request ids. Every request has one: the client's `X-Request-Id` when it is 1 to 128
  characters of `A-Z a-z 0-9 . _ -`, else a new uuid4 in hex. Every response carries it
  back in `X-Request-Id`, every log line written through the registry's handler carries it
  (`RequestIdFilter`), and every problem+json body names it (registry/errors.py).
- Log lines. `REGISTRY_LOG_FORMAT=text` (the default): one line as Flask writes it, with the
  request id; `json`: one JSON object per line (time, level, logger, message, request_id,
  and method, path, status, duration_ms on the access line the registry then writes itself
  for each request, on the `registry.access` logger).
- Metrics (prometheus-flask-exporter over prometheus_client): requests counted and timed by
  route (the URL rule, `/projects/<int:project_id>`, never the raw path) and status;
  screening flags raised (`flags_raised`, called where flags are written); jobs counted and
  timed by kind and state (`job_finished`, for the job queue to come). With several
  gunicorn workers, PROMETHEUS_MULTIPROC_DIR names a directory where each process writes
  its counts, and a scrape adds them up (gunicorn.conf.py). The scrape itself is served by
  registry/web/system.py, to admins only.

A bottom module (it imports nothing of the registry but its configuration), so the
services can count what they do.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, has_request_context, request
from flask.logging import default_handler, wsgi_errors_stream
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_flask_exporter import PrometheusMetrics

from registry.config import ConfigError

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s [%(request_id)s]: %(message)s"
ACCESS_LOGGER = "registry.access"
# Fields of an access line, beside the ones every line has.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")


# ---------------------------------------------------------------- request ids


def request_id() -> str | None:
    """This request's id (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    found = g.get("request_id")
    if found is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        found = given if _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id = found
    return found


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record a handler writes: the request's id, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id() or "-"
        return True


# ---------------------------------------------------------------- log lines


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id
    (null outside a request), the access fields when the record has them, and the
    exception's traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if rid in (None, "-") else rid,
        }
        entry.update({k: getattr(record, k) for k in ACCESS_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def _registry_handler(logger: logging.Logger) -> logging.Handler:
    """The registry's one handler on its logger (made once per process: loggers are global)."""
    for handler in logger.handlers:
        if getattr(handler, "registry_handler", False):
            return handler
    handler = logging.StreamHandler(wsgi_errors_stream)  # gunicorn's error log, else stderr
    handler.registry_handler = True
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    return handler


def init_logging(app: Flask) -> None:
    """The app's log lines in REGISTRY_LOG_FORMAT, each with its request id."""
    log_format = str(app.config["REGISTRY_LOG_FORMAT"]).strip().lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(
            f"REGISTRY_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}; "
            f"got {app.config['REGISTRY_LOG_FORMAT']!r}."
        )
    app.config["REGISTRY_LOG_FORMAT"] = log_format
    logger = logging.getLogger(app.import_name)  # app.logger's own logger, "registry"
    logger.removeHandler(default_handler)  # replaced by the registry's handler
    _registry_handler(logger).setFormatter(log_formatter(log_format))
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO if log_format == "json" else 0)


# ---------------------------------------------------------------- requests


def _request_started() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _request_ended(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    if current_app.config["REGISTRY_LOG_FORMAT"] == "json":
        started = g.get("request_started")
        elapsed = None if started is None else round((time.perf_counter() - started) * 1000, 1)
        logging.getLogger(ACCESS_LOGGER).info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": elapsed,
            },
        )
    return response


def init_request_ids(app: Flask) -> None:
    """Registered first, so even a request another hook refuses gets its id; templates see
    it as `request_id` (the error page's "Reference")."""
    app.before_request(_request_started)
    app.after_request(_request_ended)
    app.context_processor(lambda: {"request_id": request_id()})


# ---------------------------------------------------------------- metrics

# The registry's own metrics, made once per process and added to each app's registry.
# Counted by the services; in multiprocess mode every process writes them to its files.
FLAGS_RAISED = Counter(
    "registry_screening_flags_raised_total",
    "Screening flags raised on projects, by rule code.",
    ["code"],
    registry=None,
)
JOBS_FINISHED = Counter(
    "registry_jobs_total",
    "Background jobs that ended, by kind and final state (done, failed, cancelled).",
    ["kind", "state"],
    registry=None,
)
JOB_SECONDS = Histogram(
    "registry_job_duration_seconds",
    "How long background jobs ran, by kind.",
    ["kind"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, float("inf")),
    registry=None,
)
OWN_METRICS = (FLAGS_RAISED, JOBS_FINISHED, JOB_SECONDS)
UNMATCHED_ROUTE = "(no route)"


def flags_raised(count: int, codes: Iterable[str]) -> None:
    """`count` screening flags were raised; `codes` names each one's rule (a code raised on
    three projects comes three times). Flags beyond the codes given count as "other"."""
    named = 0
    for code in codes:
        FLAGS_RAISED.labels(code=code).inc()
        named += 1
    if count > named:
        FLAGS_RAISED.labels(code="other").inc(count - named)


def job_finished(kind: str, state: str, seconds: float) -> None:
    """A background job of `kind` ended in `state` after `seconds` (for the job queue)."""
    JOBS_FINISHED.labels(kind=kind, state=state).inc()
    JOB_SECONDS.labels(kind=kind).observe(seconds)


def route(req) -> str:
    """The route a request matched, as its URL rule (one series per page, whatever the ids
    in its path); requests that matched none share one series."""
    return req.url_rule.rule if req.url_rule is not None else UNMATCHED_ROUTE


def init_metrics(app: Flask) -> PrometheusMetrics:
    """Count and time the app's requests by route and status. Each app has a registry of
    its own (tests build many apps in one process); the registry's own metrics are in each."""
    registry = CollectorRegistry(auto_describe=True)
    for metric in OWN_METRICS:
        registry.register(metric)
    metrics = PrometheusMetrics(
        app,
        path=None,  # served by registry/web/system.py, to admins only
        registry=registry,
        group_by=route,
        defaults_prefix="registry",
    )
    app.extensions["registry_metrics"] = metrics
    return metrics


def metrics_text(app: Flask, accept: str | None) -> tuple[str, str]:
    """The scrape: every process's counts in multiprocess mode, else this process's; and
    its content type."""
    return app.extensions["registry_metrics"].generate_metrics(accept)


def init_observability(app: Flask) -> None:
    init_logging(app)
    init_request_ids(app)
    init_metrics(app)
