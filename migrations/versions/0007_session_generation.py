"""Each person's session generation: raising it ends every session signed in before

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

A session cookie keeps `<user id>:<generation>`; sign-out, a password change and
disabling an account raise the user's generation, so a copy of an older cookie signs
no one in. Existing people start at 0, the generation a cookie without one is read as.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    # Not batch mode: on SQLite that rebuilds `users`, and dropping the old table would
    # cascade to rows that reference it (SQLite 3.35+ drops a column in place).
    op.drop_column("users", "session_generation")
