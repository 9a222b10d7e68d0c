"""Backups of the registry's database, and restores from them.

SQLite: the online backup API copies the database in one step under a read lock, so the
copy is one consistent state even while the registry serves and writes (WAL readers do
not block writers). PostgreSQL: `pg_dump` in its custom format, itself one consistent
snapshot; `pg_restore` reads it back. Both need no downtime to back up.

A restore goes into an empty database, or with `replace` over the current one: on SQLite
the backup API writes the whole file under the write lock (writers wait meanwhile), on
PostgreSQL `pg_restore --clean --single-transaction` replaces everything at once. Then the
schema is brought to the current migration and the data version raised, which draws a new
stamp, so every worker's cached list pages are dropped.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from registry.database import write_transaction
from registry.extensions import db
from registry.services.errors import ValidationFailed

# A registry database has these; a file without them is not a registry backup.
REQUIRED_TABLES = ("alembic_version", "projects", "organisations", "data_version")
# Tables whose rows make a database "not empty" for a restore without `replace`.
DATA_TABLES = ("projects", "organisations", "users")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    projects: int
    schema_revision: str
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    projects: int
    schema_revision: str
    replaced: bool
    seconds: float


def _error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [{"field": field, "message": message, "code": "invalid"}])


def _url() -> URL:
    return db.engine.url


def _is_sqlite() -> bool:
    return _url().get_backend_name() == "sqlite"


def _sqlite_file() -> Path:
    database = _url().database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise _error("database", "An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _libpq_url() -> str:
    """The database URL as pg_dump / pg_restore take it (no SQLAlchemy driver name)."""
    return _url().set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise _error(
            "tool",
            f"{name} was not found on PATH: backups of PostgreSQL need its client tools "
            "(Debian and Ubuntu: `apt-get install postgresql-client`, of the server's major "
            "version or newer).",
        )
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise _error("tool", f"{Path(command[0]).name} failed: {' '.join(last)}")


def default_backup_path(directory: Path) -> Path:
    """`<directory>/registry-<UTC time>.sqlite` or `.dump`, by the database in use."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"registry-{stamp}.{'sqlite' if _is_sqlite() else 'dump'}"


def _owner_only(path: Path) -> None:
    """Backups hold password hashes and need-to-know notes: readable by their owner only."""
    os.chmod(path, 0o600)


def _sqlite_facts(path: Path) -> tuple[int, str]:
    """(projects, schema revision) of a SQLite registry file, checked whole; else an error."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise _error("path", f"{path} cannot be opened as SQLite: {error}.") from None
    try:
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise _error("path", f"{path} is damaged (SQLite's integrity check failed).")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            raise _error(
                "path", f"{path} is not a registry database (no table {', '.join(missing)})."
            )
        projects = connection.execute("SELECT count(*) FROM projects").fetchone()[0]
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        return projects, revision
    except sqlite3.DatabaseError as error:
        raise _error("path", f"{path} is not a SQLite database ({error}).") from None
    finally:
        connection.close()


def _live_facts() -> tuple[int, str]:
    with db.engine.connect() as connection:
        projects = connection.execute(text("SELECT count(*) FROM projects")).scalar_one()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return projects, revision or ""


def backup_create(path: Path) -> BackupResult:
    """Write a consistent copy of the database to `path` (a new file, owner-only)."""
    started = time.perf_counter()
    if path.exists():
        raise _error("path", f"{path} exists already; a backup never overwrites a file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if _is_sqlite():
            source = sqlite3.connect(f"file:{_sqlite_file()}?mode=ro", uri=True)
            target = sqlite3.connect(partial)
            try:
                source.backup(target)  # every page in one step: one consistent state
                # One self-contained file: no -wal or -shm beside it.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
                source.close()
            projects, revision = _sqlite_facts(partial)
        else:
            projects, revision = _live_facts()
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", _libpq_url()])
            _run([_tool("pg_restore"), "--list", str(partial)])  # readable as a dump
        _owner_only(partial)
        os.replace(partial, path)
    finally:
        for leftover in ("", "-wal", "-shm", "-journal"):
            partial.with_name(partial.name + leftover).unlink(missing_ok=True)
    return BackupResult(
        path, path.stat().st_size, projects, revision, time.perf_counter() - started
    )


def _rows_held() -> dict[str, int]:
    """Rows in each data table of the current database (tables it lacks are empty)."""
    tables = set(inspect(db.engine).get_table_names())
    counts = {}
    with db.engine.connect() as connection:
        for name in DATA_TABLES:
            if name in tables:
                counts[name] = connection.execute(text(f"SELECT count(*) FROM {name}")).scalar()
    return {name: count for name, count in counts.items() if count}


def _raise_data_version() -> None:
    """A new data version, and with it a new stamp: no worker's cached page matches it."""
    with write_transaction() as connection:
        connection.execute(text("UPDATE data_version SET value = value + 1 WHERE id = 1"))


def backup_restore(
    path: Path, replace: bool = False, migrate: Callable[[], None] | None = None
) -> RestoreResult:
    """Restore `path` into this database: an empty one, or over the current one if `replace`.

    Nothing is changed when the backup is unreadable or not a registry's, or when the
    database holds data and `replace` is not given. Afterwards the schema is migrated to the
    current revision by `migrate` (a backup from an older release) and every cache
    invalidated.
    """
    started = time.perf_counter()
    if not path.is_file():
        raise _error("path", f"{path} is not a file.")
    held = _rows_held()
    if held and not replace:
        rows = ", ".join(f"{count} {name}" for name, count in held.items())
        raise _error(
            "replace",
            f"The database is not empty ({rows}); restore over it with --replace, or "
            "restore into an empty database.",
        )
    db.session.remove()
    if _is_sqlite():
        _sqlite_facts(path)  # readable, whole and a registry's, before anything changes
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_file(), timeout=30)
        try:
            source.backup(target)  # under the write lock: writers wait, then see it whole
        finally:
            target.close()
            source.close()
        db.engine.dispose()
    else:
        _run([_tool("pg_restore"), "--list", str(path)])
        db.engine.dispose()
        # --clean also when empty: a migrated database has the tables, without rows.
        command = [_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error"]
        command += ["--clean", "--if-exists", f"--dbname={_libpq_url()}", str(path)]
        _run(command)
        db.engine.dispose()
    if migrate is not None:
        migrate()
    _raise_data_version()
    projects, revision = _live_facts()
    return RestoreResult(path, projects, revision, bool(held), time.perf_counter() - started)
