"""Schema versions: fresh files, upgrades from the first schema, newer files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from fitlearn.errors import SchemaTooNewError, StoreError
from fitlearn.store import Store
from fitlearn.store.migrations import LATEST_VERSION, MIGRATIONS
from fitlearn.store.schema import Base


def _columns(path: Path) -> dict[str, list[tuple[str, str, int, int]]]:
    """Per table: (column, type, not null, pk position); the shape a query relies on."""
    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'schema_migrations'"
            )
        ]
        return {
            table: sorted(
                (row[1], row[2].upper(), row[3], row[5])
                for row in conn.execute(f"PRAGMA table_info({table})")
            )
            for table in tables
        }


def _schema_v1(path: Path) -> None:
    """A database exactly as the first release wrote it, with data in it."""
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
        "name VARCHAR NOT NULL, applied_at_ms INTEGER NOT NULL)"
    )
    for statement in MIGRATIONS[0].statements:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_migrations VALUES (1, 'first', 0)")
    conn.execute(
        "INSERT INTO imports VALUES (1, 'abc', 'ride.fit', '/x/ride.fit', 'fit', 10, 0, '')"
    )
    conn.execute(
        "INSERT INTO sessions VALUES (1, 'ride.fit', NULL, 1, 'cycling', 'utc', 1000, 5000, "
        "3600, 0)"
    )
    conn.executemany(
        "INSERT INTO hr_samples VALUES (1, ?, ?, ?, NULL)",
        [(i, 1000 + i * 1000, 120 + i) for i in range(5)],
    )
    conn.execute("INSERT INTO rr_intervals VALUES (1, 0, 1500, 500.0, 0)")
    conn.commit()
    conn.close()


def test_fresh_database_is_at_the_latest_version(tmp_path: Path):
    with Store(tmp_path / "new.db") as store:
        assert store.schema_version() == LATEST_VERSION


def test_migrations_build_exactly_the_models_schema(tmp_path: Path):
    """The frozen migrations and the ORM models must describe the same tables."""
    Store(tmp_path / "migrated.db").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'models.db'}")
    Base.metadata.create_all(engine)
    engine.dispose()

    assert _columns(tmp_path / "migrated.db") == _columns(tmp_path / "models.db")


def test_upgrade_from_the_first_schema_keeps_every_row(tmp_path: Path):
    path = tmp_path / "old.db"
    _schema_v1(path)

    with Store(path) as store:
        version = store.schema_version()
        sessions = store.sessions()
        hr = store.heart_rate()
        rr = store.rr_intervals()

    assert version == LATEST_VERSION
    assert [(s.source, s.start_ms, s.utc_offset_s) for s in sessions] == [
        ("ride.fit", 1000, 3600)
    ]
    assert hr["bpm"].to_list() == [120, 121, 122, 123, 124]
    assert rr["rr_ms"].to_list() == [500.0]
    backup = tmp_path / "old.db.v1.bak"
    assert backup.exists(), "a copy is kept before upgrading"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT COUNT(*) FROM hr_samples").fetchone() == (5,)


def test_database_from_a_newer_release_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "future.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    before = path.read_bytes()

    with pytest.raises(SchemaTooNewError, match="Upgrade fitlearn"):
        Store(path)

    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("not sqlite " * 100)

    with pytest.raises(StoreError, match=r"notes\.db.*--db"):
        Store(path)
