"""The data version (registry/database.py): raised by every committed change to the data
lists show, in the same transaction; not by rollbacks or by token and key bookkeeping."""

from __future__ import annotations

from sqlalchemy import insert, text, update

from registry.database import begin_write, data_version
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
