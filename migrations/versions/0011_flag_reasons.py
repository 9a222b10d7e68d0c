"""Each flag's reason as data beside its rationale text

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

`project_flags.reason`: the rationale as a key and its parameters (JSON), which the pages
put into words in the reader's language. Rows screened before have none and keep showing
their stored text; `flask --app wsgi screening rerun` with ruleset 2026.12.1 or later
fills it in place (registry/services/screening.py), without a new project version.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("project_flags", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reason",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table("project_flags", schema=None) as batch_op:
        batch_op.drop_column("reason")
