"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.extensions import db


def test_migrated_schema_matches_models(app):
    # The session database was built by `flask db upgrade` (see conftest).
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_render_version_migration_backfills_every_row(app, ministry):
    """0006 renders the stored text of rows written before it, so no read needs a fallback."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from registry.services import derived, projects
    from tests.conftest import valid_project

    project = projects.project_create(valid_project(), ministry)
    expected = db.session.execute(
        text("SELECT document, export_cells FROM projects WHERE id = :id"), {"id": project.id}
    ).one()
    children = (
        "SELECT (SELECT COUNT(*) FROM project_versions), (SELECT COUNT(*) FROM project_countries)"
    )
    before = tuple(db.session.execute(text(children)).one())
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="0005")
        with db.engine.begin() as conn:  # as 0004 left rows written before it
            conn.execute(text("UPDATE projects SET document = NULL, export_cells = NULL"))
    finally:
        upgrade()
    row = db.session.execute(
        text("SELECT document, export_cells, render_version FROM projects WHERE id = :id"),
        {"id": project.id},
    ).one()
    # JSONB gives objects back with its own key order: the same document, maybe other bytes.
    assert json.loads(row.document) == json.loads(expected.document)
    assert row.export_cells == expected.export_cells
    assert row.render_version == derived.render_version()
    # Neither way may rebuild `projects` and cascade-delete its history and shares.
    assert tuple(db.session.execute(text(children)).one()) == before
