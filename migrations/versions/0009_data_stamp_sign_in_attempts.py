"""A stamp drawn anew whenever the data version moves; sign-in attempts counted in the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

`data_version.stamp`: the counter alone repeats after a restore of an older copy (its
next commits count up through values that already named other data); the pair (value,
stamp) does not. A trigger draws 32 random hex digits whenever `value` is updated, by
the registry's commit hook (registry/database.py) or by hand, so the stamp needs no code
and survives edits made around the registry. SQLite: an AFTER UPDATE trigger (SQLite
cannot change NEW); PostgreSQL: a BEFORE UPDATE trigger function. A later migration that
rebuilds `data_version` (batch mode on SQLite) must create the trigger again.

`sign_in_attempts`: the sign-in throttle counts here, so every worker and server shares
one count (registry/limits.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER data_version_stamp AFTER UPDATE OF value ON data_version
BEGIN
    UPDATE data_version SET stamp = lower(hex(randomblob(16))) WHERE id = NEW.id;
END
"""

POSTGRES_FUNCTION = """
CREATE FUNCTION data_version_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.stamp := replace(gen_random_uuid()::text, '-', '');
    RETURN NEW;
END
$$
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER data_version_stamp BEFORE UPDATE OF value ON data_version
FOR EACH ROW EXECUTE FUNCTION data_version_stamp()
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stamp", sa.String(length=32), nullable=True))
    random_hex = (
        "replace(gen_random_uuid()::text, '-', '')" if _postgres() else "lower(hex(randomblob(16)))"
    )
    op.execute(f"UPDATE data_version SET stamp = {random_hex}")
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.alter_column("stamp", existing_type=sa.String(length=32), nullable=False)
    # After the batch operations: on SQLite they copy the table, and a copy has no trigger.
    if _postgres():
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)

    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempts")),
    )
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_attempts_at"), ["at"], unique=False)
        batch_op.create_index("ix_sign_in_attempts_key_at", ["key", "at"], unique=False)


def downgrade():
    op.drop_table("sign_in_attempts")
    if _postgres():
        op.execute("DROP TRIGGER data_version_stamp ON data_version")
        op.execute("DROP FUNCTION data_version_stamp()")
    else:
        op.execute("DROP TRIGGER data_version_stamp")
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.drop_column("stamp")
