"""Engine set-up that differs by database: SQLite pragmas and write locking."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models.state import DataVersion

_BEGIN_OPTION = "sqlite_begin"


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for write transactions.

    pysqlite starts transactions lazily with a plain BEGIN, so two writers can both
    read and then fail to upgrade their locks ("database is locked"). Write services
    call `begin_write`, whose transaction takes the write lock at BEGIN, so a second
    writer waits for the busy timeout instead. Reads stay deferred, so WAL readers
    never queue behind writers.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        # Straight to the driver: a transaction starts on every request.
        connection.connection.dbapi_connection.execute(f"BEGIN {mode}")


# ---------------------------------------------------------------- the data version

# Writes to these tables change nothing a project list or page shows.
UNTRACKED_TABLES = frozenset(
    {"api_tokens", "idempotency_keys", "users", "data_version", "alembic_version"}
)
_CHANGED = "registry_data_changed"
UNTRACKED = "registry_untracked"  # set on a connection's info by migrations
_DML = ("INSERT", "UPDATE", "DELETE")


def track_data_changes(engine: Engine) -> None:
    """Raise `data_version.value` in every transaction that changed tracked data.

    Any INSERT, UPDATE or DELETE through this engine (ORM or Core, one row or many) that
    touched a row of a tracked table marks its connection, and so does any such statement
    written as SQL text (whatever its table: raising the counter needlessly is harmless);
    at COMMIT the counter is raised as the last statement of that same transaction. So the
    version and the data it stands for become visible together, and a reader that sees
    version N sees all changes up to N.
    The counter row is locked only between that UPDATE and the COMMIT.
    """

    @event.listens_for(engine, "after_cursor_execute")
    def _note_change(connection, cursor, statement, _parameters, context, _executemany):
        if connection.info.get(UNTRACKED) or cursor.rowcount == 0:  # -1: unknown, counts
            return
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            table = getattr(getattr(context.compiled, "statement", None), "table", None)
            if getattr(table, "name", None) in UNTRACKED_TABLES:
                return
        elif statement.lstrip()[:6].upper() not in _DML:
            return
        connection.info[_CHANGED] = True

    @event.listens_for(engine, "commit")
    def _raise_version(connection):
        if connection.info.pop(_CHANGED, False):
            cursor = connection.connection.dbapi_connection.cursor()
            try:
                cursor.execute("UPDATE data_version SET value = value + 1 WHERE id = 1")
            finally:
                cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget_change(connection):
        connection.info.pop(_CHANGED, None)


_VERSION_QUERY = select(DataVersion.__table__.c.value).where(DataVersion.__table__.c.id == 1)


def data_version() -> int:
    """The current data version (read in the session's transaction)."""
    return db.session.execute(_VERSION_QUERY).scalar_one()


def begin_write() -> None:
    """Start the session's next transaction as a write transaction.

    Ends any read transaction the session has open (write services own their
    transaction, so nothing is pending), then procures a connection whose BEGIN is
    IMMEDIATE on SQLite. On PostgreSQL the option is ignored.
    """
    session: Session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write called with unsaved changes in the session")
        session.rollback()
    session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
