"""The app factory: configuration, extensions, blueprints, request limits, error handlers,
commands."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from registry import models  # noqa: F401  (registers the tables)
from registry.api import init_api
from registry.cli import register_commands
from registry.config import load_config
from registry.database import (
    configure_sqlite,
    discard_unwritable_connections,
    track_data_changes,
)
from registry.errors import register_error_handlers
from registry.extensions import db, migrate
from registry.json_provider import RegistryJSONProvider
from registry.limits import init_rate_limits
from registry.observability import init_observability
from registry.request_limits import init_request_limits
from registry.web import init_web


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands.

    `config` overrides settings from the environment (tests pass DATABASE_URL here;
    INSTANCE_PATH moves the instance folder).
    """
    instance_path = (config or {}).get("INSTANCE_PATH")
    # Named for the package, so templates, static files and the instance folder are found
    # where they always were.
    app = Flask("registry", instance_relative_config=True, instance_path=instance_path)
    app.json = RegistryJSONProvider(app)
    load_config(app, config)
    init_observability(app)  # first: every later hook's requests get their id

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        track_data_changes(db.engine)
        discard_unwritable_connections(db.engine)
    init_rate_limits(app)

    init_api(app)
    init_web(app)
    init_request_limits(app)
    register_error_handlers(app)

    register_commands(app)
    hops = app.config["REGISTRY_PROXY_HOPS"]
    if hops:  # the client's address and scheme, as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app
