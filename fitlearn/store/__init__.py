"""The local SQLite store (SQLAlchemy 2): schema, migrations and access."""

from fitlearn.store.store import ImportRecord, Store, now_ms

__all__ = ["ImportRecord", "Store", "now_ms"]
