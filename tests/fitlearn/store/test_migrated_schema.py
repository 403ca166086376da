"""The migrations build exactly the schema the models describe (real SQLite files)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import create_engine, inspect

from fitlearn.store import Store
from fitlearn.store.migrations import MIGRATIONS
from fitlearn.store.schema import Base


def _describe(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        tables = {}
        for table in inspector.get_table_names():
            if table == "schema_migrations":
                continue
            tables[table] = {
                "columns": {
                    c["name"]: (str(c["type"]), c["nullable"])
                    for c in inspector.get_columns(table)
                },
                "pk": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]))
                    for i in inspector.get_indexes(table)
                ),
                "fks": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            }
        return tables
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_models(tmp_path):
    migrated, modelled = tmp_path / "migrated.db", tmp_path / "modelled.db"
    Store(migrated).close()
    engine = create_engine(f"sqlite:///{modelled}")
    Base.metadata.create_all(engine)
    engine.dispose()

    assert _describe(f"sqlite:///{migrated}") == _describe(f"sqlite:///{modelled}")


def test_training_runs_table_is_added_to_an_existing_database(tmp_path):
    path = tmp_path / "old.db"
    Store(path).close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE training_runs")
    last = MIGRATIONS[-1].version
    raw.execute("DELETE FROM schema_migrations WHERE version = ?", (last,))
    raw.commit()
    raw.close()

    with Store(path) as store:
        version = store.schema_version()

    tables = _describe(f"sqlite:///{path}")
    assert version == last
    assert "training_runs" in tables
    assert tables["training_runs"]["columns"]["stop_reason"] == ("VARCHAR", True)
