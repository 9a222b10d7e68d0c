"""What admins did to their vendors of concern: who, when, what changed and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.models.types import JSONDocument, UTCDateTime, utcnow


class VendorChange(db.Model):
    """One change of an admin's vendor entry. Append-only, like review decisions."""

    __tablename__ = "vendor_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(
        ForeignKey("vendor_entries.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # add, edit, retire
    actor: Mapped[str] = mapped_column(String(300))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    # [{"field", "before", "after"}] for an edit; empty for an addition or retirement.
    changes: Mapped[list] = mapped_column(JSONDocument)
