"""The render version of each project's stored document and export cells, backfilled

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Rows written before this had stored text of no known version (or none, before 0004);
the upgrade renders every row's text with the current renderers and records their
version, so readers never need a fallback for old rows. The renderers are the
registry's own (registry/services/derived.py): this migration is the same rebuild that
`flask --app wsgi seed rebuild-derived` runs.
"""

import sqlalchemy as sa
from alembic import op

from registry.services.derived import rebuild_batch

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_version", sa.String(length=40), nullable=True))
    connection, last_id = op.get_bind(), 0
    while ids := rebuild_batch(connection, last_id, everything=True):
        last_id = ids[-1]


def downgrade():
    # Not batch mode: on SQLite that rebuilds `projects`, and dropping the old table
    # cascades to every history, share and flag row (SQLite 3.35+ drops a column in place).
    op.drop_column("projects", "render_version")
