"""Engine set-up: SQLite pragmas and write locking, the data version, and what happens
when the database refuses writes for a while."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.models.state import DataVersion

_BEGIN_OPTION = "sqlite_begin"


# ---------------------------------------------------------------- writes refused for a while


class DatabaseUnavailable(Exception):
    """The database refuses writes for now (read-only, or its files cannot be written).

    The faces answer 503 with Retry-After; the connection that failed has been discarded,
    so the next request works as soon as the database takes writes again.
    """

    retry_after = 5


# SQLite's primary result codes: SQLITE_READONLY ("attempt to write a readonly database":
# a connection opened while the file could not be written stays read-only for its whole
# life) and SQLITE_IOERR ("disk I/O error": the -wal or -shm file could not be written).
_SQLITE_UNWRITABLE = {8, 10}
# PostgreSQL's read_only_sql_transaction: a standby, or default_transaction_read_only.
_POSTGRES_READ_ONLY = "25006"


def is_unwritable(error: BaseException) -> bool:
    """Whether a driver error says the database cannot be written just now."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNWRITABLE
    return getattr(error, "sqlstate", None) == _POSTGRES_READ_ONLY


def discard_unwritable_connections(engine: Engine) -> None:
    """Turn "cannot write" driver errors into DatabaseUnavailable and discard the connection.

    A SQLite connection opened while its file was read-only stays read-only after the
    file is writable again, and a PostgreSQL pool may hold connections to a server that
    became a standby. Treated as a disconnect, the failing connection is closed and every
    connection the pool opened before it is replaced at its next checkout.
    """

    @event.listens_for(engine, "handle_error")
    def _unwritable(context):
        if is_unwritable(context.original_exception):
            context.is_disconnect = True
            return DatabaseUnavailable(str(context.original_exception))
        return None


def _execute_raw(connection, statement: str) -> None:
    """Run `statement` on the driver's connection (inside transaction events, where
    SQLAlchemy does not wrap errors); a "cannot write" error discards the connection."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
    except Exception as error:
        if not is_unwritable(error):
            raise
        connection.invalidate(error)
        raise DatabaseUnavailable(str(error)) from error


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
        _execute_raw(connection, f"BEGIN {mode}")


# ---------------------------------------------------------------- the data version

# Writes to these tables change nothing a project list or page shows.
UNTRACKED_TABLES = frozenset(
    {
        "api_tokens",
        "idempotency_keys",
        "users",
        "sign_in_attempts",
        "data_version",
        "alembic_version",
        "background_runs",
    }
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
    version N sees all changes up to N. Whenever the value moves, a trigger of the
    database draws a new random `stamp`, so the pair (value, stamp) names one state of
    the data for good: a restored older copy counts up again through old values, never
    through old pairs (registry/models/state.py).
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
            # The database's trigger draws the new stamp (migration 0009).
            _execute_raw(connection, "UPDATE data_version SET value = value + 1 WHERE id = 1")

    @event.listens_for(engine, "rollback")
    def _forget_change(connection):
        if not connection.invalidated:  # a discarded connection's info goes with it
            connection.info.pop(_CHANGED, None)


_VERSION = DataVersion.__table__
_VERSION_QUERY = select(_VERSION.c.value).where(_VERSION.c.id == 1)
_STATE_QUERY = select(_VERSION.c.value, _VERSION.c.stamp).where(_VERSION.c.id == 1)


def data_version() -> int:
    """The current data version (read in the session's transaction)."""
    return db.session.execute(_VERSION_QUERY).scalar_one()


def data_state() -> tuple[int, str]:
    """The current data version and its stamp, in one query of the session's transaction:
    together they name the data as it is, across restores of older copies."""
    value, stamp = db.session.execute(_STATE_QUERY).one()
    return value, stamp


def database_writable() -> bool:
    """Whether the database takes writes now (for /healthz), through a pooled connection.

    SQLite: a write that is rolled back (BEGIN IMMEDIATE, a no-op UPDATE of the data
    version, ROLLBACK); BEGIN IMMEDIATE alone succeeds on a connection that was opened
    read-only. PostgreSQL: not a standby, and not read-only by default. A connection that
    fails is discarded like any other, and the check is made once more on a fresh one:
    a connection left read-only by an episode that is over does not make it fail.
    """
    for _ in range(2):
        try:
            with write_transaction() as connection:
                if connection.dialect.name == "postgresql":
                    return not connection.execute(_POSTGRES_READ_ONLY_QUERY).scalar_one()
                connection.execute(
                    update(_VERSION).where(_VERSION.c.id == 1).values(value=_VERSION.c.value)
                )
                connection.get_transaction().rollback()
                return True
        except DatabaseUnavailable:
            continue
    return False


_POSTGRES_READ_ONLY_QUERY = text(
    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'"
)


@contextmanager
def write_transaction() -> Iterator[Connection]:
    """A write transaction of its own on a pooled connection, beside the session's: it
    takes the write lock at BEGIN on SQLite and commits when the block ends."""
    with db.engine.connect() as connection:
        connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            yield connection


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
