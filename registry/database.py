"""Engine set-up that differs by database: SQLite pragmas and write locking."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from registry.extensions import db

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
        connection.exec_driver_sql(f"BEGIN {mode}")


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
