"""The local SQLite store (SQLAlchemy 2): schema, migrations and access."""

from fitlearn.store.store import (
    HEART_RATE_SCHEMA,
    RR_SCHEMA,
    ImportRecord,
    Store,
    now_ms,
)

__all__ = ["HEART_RATE_SCHEMA", "RR_SCHEMA", "ImportRecord", "Store", "now_ms"]
