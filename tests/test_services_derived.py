"""Stored derived text (API documents, CSV cells) and its render version: a row of
another version reads as not stored, and `seed rebuild-derived` rewrites it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from registry.csv_cells import csv_stream
from registry.database import begin_write
from registry.extensions import db
from registry.models import Project
from registry.services import derived, exports, projects
from registry.services.actors import Actor
from tests.conftest import valid_project

PLANNER = Actor(label="planner@example.org", role="planner")


def _spoil(identifier: str, version: str | None = "0.old") -> None:
    """Leave a row as an older renderer would have: other text, another version."""
    db.session.rollback()
    begin_write()
    db.session.execute(
        text(
            "UPDATE projects SET document = :doc, export_cells = 'stale,cells', "
            "render_version = :version WHERE identifier = :identifier"
        ),
        {"doc": json.dumps({"stale": True}), "version": version, "identifier": identifier},
    )
    db.session.commit()


def _row(identifier: str):
    return db.session.execute(
        select(Project.document, Project.export_cells, Project.render_version).where(
            Project.identifier == identifier
        )
    ).one()


def test_every_write_stores_text_of_the_current_render_version(app, ministry):
    project = projects.project_create(valid_project(), ministry)
    row = _row(project.identifier)
    assert row.render_version == derived.render_version()
    assert json.loads(row.document)["identifier"] == project.identifier
    assert row.export_cells.startswith(project.identifier + ",")


def _csv() -> bytes:
    return b"".join(
        csv_stream(exports.project_rows({}, PLANNER, "project", "https://registry.example"))
    )


@pytest.mark.parametrize("version", ["0.old", None])
def test_a_row_of_another_version_is_rendered_afresh(jp, ministry, version):
    project = projects.project_create(valid_project(), ministry)
    fresh, fresh_csv = jp.get("/api/v1/projects").get_json()["items"], _csv()
    _spoil(project.identifier, version)
    assert jp.get("/api/v1/projects").get_json()["items"] == fresh
    again = _csv()
    assert again == fresh_csv and b"stale" not in again


def test_rebuild_rewrites_exactly_the_stale_rows(app, ministry):
    kept = projects.project_create(valid_project(identifier="KEPT"), ministry)
    spoiled = projects.project_create(valid_project(identifier="SPOILED"), ministry)
    good = _row(spoiled.identifier)
    _spoil(spoiled.identifier)
    assert derived.stale_count() == 1
    result = app.test_cli_runner().invoke(args=["seed", "rebuild-derived"])
    assert result.exit_code == 0, result.output
    assert f"1 projects re-rendered with render version {derived.render_version()}" in (
        result.output
    )
    rebuilt = _row(spoiled.identifier)
    # JSONB gives objects back with its own key order: the same document, maybe other bytes.
    assert json.loads(rebuilt.document) == json.loads(good.document)
    assert rebuilt[1:] == good[1:]
    assert _row(kept.identifier).render_version == derived.render_version()
    assert derived.stale_count() == 0


def test_the_render_version_follows_what_renders(app, monkeypatch):
    before = derived.render_version()
    try:
        monkeypatch.setattr(derived, "RENDER_FORMAT", derived.RENDER_FORMAT + 1)
        derived.render_version.cache_clear()
        assert derived.render_version() != before
        monkeypatch.undo()
        monkeypatch.setattr(derived.pycountry, "__version__", "0.0.1")
        derived.render_version.cache_clear()
        assert derived.render_version() not in (before,)
    finally:
        monkeypatch.undo()
        derived.render_version.cache_clear()
    assert derived.render_version() == before
