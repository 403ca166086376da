"""Migration 3 (live recording tables) against the ORM models.

Emulation level: none; real SQLite files under tmp_path.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from fitlearn.store import Store
from fitlearn.store.migrations import LATEST_VERSION, MIGRATIONS
from fitlearn.store.schema import Base

LIVE_TABLES = ("live_sessions", "recording_gaps", "battery_levels", "ble_notifications")


def _describe(path: Path) -> dict[str, object]:
    with sqlite3.connect(path) as connection:
        names = [
            n
            for (n,) in connection.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'table' AND name != 'schema_migrations'"
            )
        ]
        return {
            name: (
                connection.execute(f"PRAGMA table_info({name})").fetchall(),
                sorted(connection.execute(f"PRAGMA index_list({name})").fetchall()),
                connection.execute(f"PRAGMA foreign_key_list({name})").fetchall(),
            )
            for name in sorted(names)
        }


def test_migrated_database_equals_the_models(tmp_path):
    Store(tmp_path / "migrated.db").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    Base.metadata.create_all(engine)
    engine.dispose()

    migrated, models = (
        _describe(tmp_path / "migrated.db"),
        _describe(tmp_path / "models.db"),
    )

    assert set(LIVE_TABLES) <= set(migrated)
    assert migrated == models


def test_a_version_2_database_upgrades_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
            "name VARCHAR NOT NULL, applied_at_ms INTEGER NOT NULL)"
        )
        for migration in MIGRATIONS[:2]:
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, 0)",
                (migration.version, migration.name),
            )
        connection.execute("INSERT INTO devices (kind, address) VALUES ('ble', 'AA')")

    with Store(path) as store:
        assert store.schema_version() == LATEST_VERSION
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT address FROM devices").fetchall() == [("AA",)]
        assert connection.execute(
            "SELECT COUNT(*) FROM ble_notifications"
        ).fetchone() == (0,)
