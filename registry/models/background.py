"""Work that runs beside the requests (services/background.py), with its status in the
database so that every worker can show it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.models.types import JSONDocument, UTCDateTime, utcnow

RUN_STATUSES = ("queued", "running", "done", "failed")


class BackgroundRun(db.Model):
    """One run of a kind of work: queued, running, then done or failed."""

    __tablename__ = "background_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    actor: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict] = mapped_column(JSONDocument)
    # The kind while queued or running, NULL after: one run of a kind at a time, even
    # when two workers start one at the same moment.
    lock_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last sign of life: a run silent for too long is taken as lost (its worker stopped).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict | None] = mapped_column(JSONDocument)
    error: Mapped[str | None] = mapped_column(Text)
