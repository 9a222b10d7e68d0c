"""The Infrastructure Partnership Registry: `create_app` builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from registry.config import load_config
from registry.database import configure_sqlite, track_data_changes
from registry.extensions import db, migrate
from registry.limits import init_rate_limits


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands.

    `config` overrides settings from the environment (tests pass DATABASE_URL here;
    INSTANCE_PATH moves the instance folder).
    """
    instance_path = (config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, config)

    from registry import models  # noqa: F401  (registers the tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        track_data_changes(db.engine)
    init_rate_limits(app)

    from registry.api import init_api
    from registry.errors import register_error_handlers
    from registry.web import init_web

    init_api(app)
    init_web(app)
    register_error_handlers(app)

    from registry.cli import register_commands

    register_commands(app)
    return app
