"""The data version (registry/database.py): raised by every committed change to the data
lists show, in the same transaction; not by rollbacks or by token and key bookkeeping. Its
stamp moves with it; a connection that cannot write is discarded."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text, update

from registry.database import (
    DatabaseUnavailable,
    begin_write,
    data_state,
    data_version,
    is_unwritable,
)
from registry.extensions import db
from registry.models import ApiToken, Organisation
from registry.services import accounts, projects, seeding, tokens
from tests.conftest import valid_project


def _now() -> int:
    db.session.rollback()  # a fresh read, outside any snapshot the test holds
    return data_version()


def test_every_committed_data_change_raises_the_version(app, ministry):
    start = _now()
    project = projects.project_create(valid_project(), ministry)
    after_create = _now()
    assert after_create == start + 1  # one transaction, one step, however many rows
    projects.project_update(
        project.id,
        valid_project(title="Renamed terminal"),
        ministry,
        expected_version=project.version,
    )
    assert _now() == after_create + 1


def test_core_bulk_writes_raise_the_version(app):
    start = _now()
    seeding.synthetic_generate(30, batch_size=10)
    assert _now() >= start + 3  # one commit per batch


def test_a_rolled_back_change_leaves_the_version(app, ministry):
    start = _now()
    begin_write()
    db.session.execute(update(Organisation).values(name="Never committed"))
    db.session.rollback()
    assert _now() == start
    # ...and the rolled-back mark does not leak into the connection's next transaction.
    begin_write()
    db.session.execute(update(ApiToken).values(name="bookkeeping"))
    db.session.commit()
    assert _now() == start


def test_token_bookkeeping_is_not_a_data_change(app, ministry):
    start = _now()
    issued = tokens.token_issue(org_ref="JP-GOV-1")
    assert tokens.token_authenticate(issued.text) is not None  # records its first use
    tokens.token_revoke(issued.token.id)
    assert _now() == start


def test_raw_core_insert_on_a_tracked_table_raises_the_version(app):
    start = _now()
    begin_write()
    db.session.execute(
        insert(Organisation).values(ref="XX-CORE-1", name="Core", country="FR", type="10")
    )
    db.session.commit()
    assert _now() == start + 1
    assert accounts.organisation_by_ref("XX-CORE-1") is not None


def test_a_change_written_as_sql_text_raises_the_version(app, ministry):
    start = _now()
    begin_write()
    db.session.execute(text("UPDATE organisations SET name = 'Renamed by hand'"))
    db.session.commit()
    assert _now() == start + 1


def test_a_change_that_touches_no_row_leaves_the_version(app, ministry):
    start = _now()
    begin_write()
    db.session.execute(
        update(Organisation).where(Organisation.ref == "NO-SUCH-ORG").values(name="Nobody")
    )
    db.session.commit()
    assert _now() == start


# ---- the stamp (issue 11, item 6) and connections that cannot write (item 15)


def _state() -> tuple[int, str]:
    db.session.rollback()
    return data_state()


def test_the_stamp_is_drawn_anew_whenever_the_version_moves(app, ministry):
    """A trigger of the database draws it (migration 0009): by the registry's commits and
    by the README's `UPDATE data_version SET value = value + 1` after an edit by hand."""
    start = _state()
    assert len(start[1]) == 32 and int(start[1], 16) >= 0
    projects.project_create(valid_project(), ministry)
    created = _state()
    assert created[0] == start[0] + 1 and created[1] != start[1]
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE data_version SET value = value + 1"))
    by_hand = _state()
    assert by_hand[0] > created[0] and by_hand[1] not in (start[1], created[1])
    # Bookkeeping moves neither.
    tokens.token_issue(org_ref="JP-GOV-1")
    assert _state() == by_hand


def _make_read_only(connection) -> None:
    """This connection refuses writes from now on, as one opened on a read-only file (SQLite)
    or to a standby (PostgreSQL) does."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    else:
        connection.exec_driver_sql("PRAGMA query_only = ON")
    connection.commit()


def test_a_connection_that_cannot_write_is_discarded_and_replaced(app, ministry):
    rename = update(Organisation).values(name="Renamed")
    with db.engine.connect() as connection:
        _make_read_only(connection)
        read_only = connection.connection.dbapi_connection
        with pytest.raises(DatabaseUnavailable, match="read"):
            connection.execute(rename)
        assert connection.invalidated
        connection.rollback()
        connection.execute(rename)  # on a new connection: the read-only one is gone
        connection.commit()
        assert connection.connection.dbapi_connection is not read_only
    db.session.rollback()
    assert accounts.organisation_by_ref("JP-GOV-1").name == "Renamed"


def test_a_write_transaction_on_a_read_only_connection_is_unavailable(app, ministry):
    """The same through the session's write transaction and the commit hook."""
    with db.engine.connect() as connection:
        _make_read_only(connection)
    db.engine.dispose()  # the session's next connection is a new one...
    with db.engine.connect() as connection:
        _make_read_only(connection)  # ...and refuses writes
    with pytest.raises(DatabaseUnavailable):
        projects.project_create(valid_project(), ministry)
    db.session.rollback()
    project = projects.project_create(valid_project(), ministry)  # replaced: it works
    assert project.identifier == "JP-GOV-1-2026-001"


def test_is_unwritable_knows_the_drivers_errors():
    import sqlite3

    readonly = sqlite3.connect(":memory:")
    readonly.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as caught:
        readonly.execute("CREATE TABLE t (x)")
    readonly.close()
    assert is_unwritable(caught.value)
    missing = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as caught:
        missing.execute("SELECT nothing FROM nowhere")
    missing.close()
    assert not is_unwritable(caught.value)  # a mistake of the SQL is not an outage


def test_a_token_still_reads_while_the_database_refuses_writes(app, ministry, caplog):
    """Recording a token's last use is a courtesy write: during a read-only episode the
    token still authenticates (a read must not become a 503) and the use is not recorded."""
    issued = tokens.token_issue(org_ref="JP-GOV-1")
    db.session.remove()
    db.engine.dispose()  # the next connection is a new one, and it refuses writes
    with db.engine.connect() as connection:
        _make_read_only(connection)
    actor = tokens.token_authenticate(issued.text)
    assert actor is not None and actor.organisation_id == ministry.organisation_id
    assert "last use not recorded" in caplog.text
    db.session.rollback()
    assert db.session.get(ApiToken, issued.token.id).last_used_at is None
    tokens.token_authenticate(issued.text)  # writable again: recorded
    db.session.expire_all()
    assert db.session.get(ApiToken, issued.token.id).last_used_at is not None
