"""The registry's data version: one counter that every committed change to what lists show raises.

`registry.database.track_data_changes` raises it in the same transaction as the change,
so a reader that sees version N sees every change committed up to N. Caches of rendered
pages are valid exactly while the version they were built at is still current.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    value: Mapped[int] = mapped_column(BigInteger, default=0)
