"""Vendors of concern are edited and retired with their history; background runs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

`vendor_entries` gains `name_key` (the normalised name while the entry is in force: one
entry per vendor, even when two admins add it at once; NULL once retired), `revision`
(raised by every change, so screening's ruleset cache notices an edit) and `retired_at`.
Existing entries get their key; of entries that already share one, the oldest keeps it.
`vendor_changes`: who changed an entry, when, what and why. `background_runs`: work
started by a page and run beside the requests (services/background.py), its status
visible to every worker.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from registry import rules
from schemas.vendors import name_key

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("vendor_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    normaliser = rules.load_ruleset().vendors.normaliser
    taken = set()
    for entry_id, name in connection.execute(
        sa.text("SELECT id, name FROM vendor_entries ORDER BY id")
    ).all():
        key = name_key(name, normaliser)
        connection.execute(
            sa.text("UPDATE vendor_entries SET revision = 1, name_key = :key WHERE id = :id"),
            {"key": None if key in taken or not key else key, "id": entry_id},
        )
        taken.add(key)
    with op.batch_alter_table("vendor_entries", schema=None) as batch_op:
        batch_op.alter_column("revision", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_vendor_entries_name_key"), ["name_key"])

    op.create_table(
        "vendor_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendor_entries.id"],
            name=op.f("fk_vendor_changes_vendor_id_vendor_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_changes")),
    )
    with op.batch_alter_table("vendor_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_changes_vendor_id"), ["vendor_id"])

    op.create_table(
        "background_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("lock_key", sa.String(length=40), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_runs")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_background_runs_lock_key")),
    )
    with op.batch_alter_table("background_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_background_runs_kind"), ["kind"])


def downgrade():
    op.drop_table("background_runs")
    op.drop_table("vendor_changes")
    with op.batch_alter_table("vendor_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_vendor_entries_name_key"), type_="unique")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("revision")
        batch_op.drop_column("name_key")
