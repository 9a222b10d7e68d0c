"""Each project's record version: raised only by its ministry's own writes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

`projects.version` counts every version of a project, review decisions and re-screens
included, so it names the representation a viewer read (GET's ETag). `record_version`
counts only the versions of what the ministry submits (create, update, withdraw): it is
what `If-Match` on a ministry's write compares, so a review decision or a re-screen in
between no longer turns the ministry's ETag stale. The upgrade counts those versions in
each project's history (a project without history keeps 1, its create).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The history actions that change the record (registry/services/history.py).
_RECORD_WRITES = "('create', 'update', 'withdraw')"
_COUNT = (
    "(SELECT count(*) FROM project_versions AS v "
    f"WHERE v.project_id = projects.id AND v.action IN {_RECORD_WRITES})"
)


# Plain ALTER TABLE … ADD / DROP COLUMN, never batch mode: on SQLite a batch rebuilds the
# table, and dropping the old `projects` (foreign keys on) deletes every row that refers to
# it ON DELETE CASCADE: the history, the shares, the flags. SQLite drops a column itself
# since 3.35.


def upgrade():
    op.add_column(
        "projects",
        sa.Column("record_version", sa.Integer(), server_default="1", nullable=False),
    )
    op.execute(sa.text(f"UPDATE projects SET record_version = {_COUNT} WHERE {_COUNT} > 0"))


def downgrade():
    op.drop_column("projects", "record_version")
