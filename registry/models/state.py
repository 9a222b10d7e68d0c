"""The registry's data version: one counter that every committed change to what lists show
raises, and a random stamp drawn anew whenever the counter moves.

`registry.database.track_data_changes` raises the counter in the same transaction as the
change, so a reader that sees version N sees every change committed up to N. The counter
alone can repeat: a database restored from an older copy goes back to that copy's value,
and its next commits count up through values that already named other data. The pair
(value, stamp) does not: a restored copy brings back its own pair, with exactly the data
it named, and the first commit after the restore draws a new stamp. Caches of rendered
pages are keyed by the pair (`registry.database.data_state`).

The stamp is drawn by a trigger of the database (migration 0009), so it moves with the
counter whoever raises it: the registry, or someone following the README's advice after
an edit made around the registry. A migration that rebuilds this table (Alembic's batch
mode on SQLite copies it into a new one) must create the trigger again;
tests/test_database.py checks that it is there.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # 32 random hex digits, drawn by the trigger whenever `value` is updated.
    stamp: Mapped[str] = mapped_column(String(32))
