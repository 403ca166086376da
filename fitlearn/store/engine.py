"""SQLite engines configured for several writers on one file.

A live recorder, an importer and the trainer may write at once. Every connection
therefore uses WAL (readers never block the writer), enforces foreign keys, waits
up to `BUSY_TIMEOUT_MS` for a lock instead of failing, and syncs every commit
(`synchronous=FULL`) so a power cut loses at most the transaction under way.

Write transactions start with `BEGIN IMMEDIATE`: a deferred transaction that reads
first and writes later cannot be upgraded to a writer once another connection has
committed, and SQLite then fails at once, whatever the busy timeout (STORE-01).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 10_000


def create_sqlite_engine(path: Path, *, immediate: bool) -> Engine:
    """An engine on `path` with the pragmas above.

    Args:
        path: The database file.
        immediate: Open transactions with `BEGIN IMMEDIATE` (for writers); readers
            pass False and keep SQLite's deferred `BEGIN`.
    """
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    begin_statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would not).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_statement)

    return engine
