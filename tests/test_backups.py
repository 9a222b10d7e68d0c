"""`flask backup create` / `backup restore`: consistent copies while writers run, restores
into an empty database or over the current one, and nothing changed by a refused restore."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from registry.app import create_app
from registry.database import data_state
from registry.extensions import db
from registry.models import Project, ProjectVersion
from registry.services import backups, projects
from registry.services.errors import ValidationFailed
from tests.conftest import valid_project


@pytest.fixture
def cli(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return app.test_cli_runner()


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A second database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _identifiers() -> set[str]:
    return set(db.session.scalars(select(Project.identifier)))


def _whole_projects() -> bool:
    """Every project has exactly the history its version says: nothing half-written."""
    versions = dict(
        db.session.execute(
            select(ProjectVersion.project_id, func.count()).group_by(ProjectVersion.project_id)
        ).all()
    )
    return all(versions.get(p.id) == p.version for p in db.session.scalars(select(Project)))


def test_backup_while_writers_run_restores_every_committed_record(
    app, ministry, cli, empty_database_url
):
    committed: list[tuple[str, float, float]] = []  # identifier, started, committed
    stop = threading.Event()

    def write(worker: int) -> None:
        with app.app_context():
            number = 0
            while not stop.is_set():
                identifier = f"JP-GOV-1-W{worker}-{number}"
                started = time.monotonic()
                project = projects.project_create(valid_project(identifier=identifier), ministry)
                if number % 3 == 0:  # some updates too, so versions move during the copy
                    projects.project_patch(
                        project.id, {"title": f"Renamed {number}"}, ministry, expected_version=1
                    )
                committed.append((identifier, started, time.monotonic()))
                number += 1
            db.session.remove()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for writer in writers:
        writer.start()
    while len(committed) < 30:
        time.sleep(0.05)
    before = time.monotonic()
    path = Path(app.instance_path) / "backups" / "during-writes.backup"
    result = cli.invoke(args=["backup", "create", str(path)])
    after = time.monotonic()
    time.sleep(0.3)  # writers go on after the copy
    stop.set()
    for writer in writers:
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and "owner-only" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    db.session.rollback()  # a fresh snapshot, not one begun before the writers finished
    live = _identifiers()

    restored_app = create_app(
        {"ENV_NAME": "testing", "DATABASE_URL": empty_database_url, "SECRET_KEY": "test"}
    )
    with restored_app.app_context():
        outcome = restored_app.test_cli_runner().invoke(args=["backup", "restore", str(path)])
        assert outcome.exit_code == 0, outcome.output
        assert "into an empty database" in outcome.output, outcome.output
        restored = _identifiers()
        assert _whole_projects()
        db.session.remove()
        db.engine.dispose()
    done_before = {i for i, _started, done in committed if done < before}
    begun_after = {i for i, started, _done in committed if started > after}
    assert done_before <= restored  # every record committed before the backup began
    assert not (begun_after & restored)  # none begun after it ended
    assert restored <= live  # and nothing that was never committed
    assert len(done_before) >= 30 and begun_after


def test_restore_replace_brings_back_the_backup_and_drops_cached_pages(app, ministry, cli):
    kept = projects.project_create(valid_project(identifier="JP-GOV-1-KEEP"), ministry)
    path = Path(app.instance_path) / "replace.backup"
    assert cli.invoke(args=["backup", "create", str(path)]).exit_code == 0
    state = data_state()
    projects.project_withdraw(kept.id, ministry, expected_version=kept.version)
    projects.project_create(valid_project(identifier="JP-GOV-1-LATER"), ministry)
    db.session.remove()

    refused = cli.invoke(args=["backup", "restore", str(path)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--replace" in refused.output
    assert "JP-GOV-1-LATER" in _identifiers()  # a refused restore changes nothing
    db.session.remove()

    result = cli.invoke(args=["backup", "restore", str(path), "--replace"])
    assert result.exit_code == 0, result.output
    assert "over the previous data" in result.output
    assert _identifiers() == {"JP-GOV-1-KEEP"}
    assert db.session.get(Project, kept.id).withdrawn_at is None
    # The stamp is new: a page cached for the state the backup was taken in cannot match.
    assert data_state()[1] != state[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a registry database"),
        (b"this is not a database at all, just some text" * 100, "not a"),
    ],
)
def test_unreadable_backups_are_refused_and_change_nothing(
    app, ministry, cli, tmp_path, content, message
):
    projects.project_create(valid_project(), ministry)
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        message = "pg_restore failed"
    result = cli.invoke(args=["backup", "restore", str(bad), "--replace"])
    assert result.exit_code == 1
    assert message in result.output
    assert _identifiers() == {"JP-GOV-1-2026-001"}


def test_a_backup_never_overwrites_a_file(app, cli, tmp_path):
    existing = tmp_path / "existing.backup"
    existing.write_text("keep me")
    result = cli.invoke(args=["backup", "create", str(existing)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert existing.read_text() == "keep me"


def test_default_backup_path_is_in_the_instance_folder(app, cli):
    result = cli.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    made = list((Path(app.instance_path) / "backups").iterdir())
    assert len(made) == 1 and made[0].name.startswith("registry-")


def test_missing_postgres_tools_are_named(app, monkeypatch, tmp_path):
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups, "_is_sqlite", lambda: False)
    with pytest.raises(ValidationFailed, match=r"pg_dump was not found.*postgresql-client"):
        backups.backup_create(tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists()
