"""Column types that behave the same on SQLite and PostgreSQL.

The embedded and the production database must hand back identical Python values, or code that
passes its tests on one backend breaks on the other. These types paper over the two places where
they differ for us: time zones and JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: 64-bit ids on PostgreSQL; on SQLite only ``INTEGER PRIMARY KEY`` aliases the rowid and
#: autoincrements, so the same column must be declared ``INTEGER`` there (it is 64-bit anyway).
BigId = BigInteger().with_variant(Integer(), "sqlite")

#: JSONB on PostgreSQL so labels can be indexed and queried later; plain JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on both backends.

    SQLite keeps no offset, so values come back naive; mixing naive and aware datetimes raises
    at comparison time far from the cause. Naive input is refused for the same reason.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timestamps as timezone-aware UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if dt.tzinfo is None:
            return dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
