"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Money(TypeDecorator):
    """An exact decimal amount with at most two decimal places, stored as integer cents.

    SQLite has no exact decimal type (SQLAlchemy would go through float), so amounts
    are kept as integers on every database; sums stay exact and stay in SQL.
    """

    impl = BigInteger
    cache_ok = True
    SCALE = 100

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        cents = Decimal(value) * self.SCALE
        if cents != cents.to_integral_value():
            raise ValueError(f"{value} has more than two decimal places")
        return int(cents)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / self.SCALE).quantize(Decimal("0.01"))


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None
