"""STORE-01: a live writer and an importer on one file, without "database is locked"."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from fitlearn.store import ImportRecord, Store
from fitlearn.store.engine import BUSY_TIMEOUT_MS
from sensors.records import Clock, ImportedSession


def _live_session(store: Store) -> int:
    with store.writing() as orm:
        orm.execute(
            text(
                "INSERT INTO sessions (source, clock, created_at_ms) VALUES ('live', 'utc', 0)"
            )
        )
        return int(orm.execute(text("SELECT MAX(id) FROM sessions")).scalar_one())


def _insert_sample(store: Store, session_id: int, seq: int) -> None:
    with store.writing() as orm:
        orm.execute(
            text("INSERT INTO hr_samples VALUES (:s, :q, :q, 70, 1)"),
            {"s": session_id, "q": seq},
        )


def test_every_connection_uses_wal_and_a_busy_timeout(store: Store):
    """STORE-01 (1)."""
    for engine in (store.engine, store._reader):
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert BUSY_TIMEOUT_MS >= 5000


def test_second_writer_waits_for_the_first_instead_of_failing(tmp_path: Path):
    """STORE-01 (2): A holds a write transaction for 1 s; B waits and succeeds."""
    path = tmp_path / "db.sqlite"
    first, second = Store(path), Store(path)
    session_id = _live_session(first)
    holding = threading.Event()

    def hold_lock() -> None:
        with first.writing() as orm:
            orm.execute(
                text("INSERT INTO hr_samples VALUES (:s, 0, 0, 70, 1)"),
                {"s": session_id},
            )
            holding.set()
            time.sleep(1.0)

    worker = threading.Thread(target=hold_lock)
    worker.start()
    holding.wait()
    started = time.monotonic()
    _insert_sample(second, session_id, 1)
    waited = time.monotonic() - started
    worker.join()

    assert waited >= 0.5
    assert second.heart_rate()["bpm"].len() == 2
    first.close()
    second.close()


def test_read_then_write_after_another_commit_succeeds(tmp_path: Path):
    """STORE-01 (3): BEGIN IMMEDIATE, so a read-then-write transaction is never stale."""
    path = tmp_path / "db.sqlite"
    first, second = Store(path), Store(path)
    session_id = _live_session(first)
    counted = threading.Event()
    other_committed = threading.Event()
    errors: list[BaseException] = []

    def read_then_write() -> None:
        try:
            with first.writing() as orm:
                orm.execute(text("SELECT COUNT(*) FROM hr_samples")).scalar_one()
                counted.set()
                other_committed.wait(timeout=0.3)
                orm.execute(
                    text("INSERT INTO hr_samples VALUES (:s, 0, 0, 70, 1)"),
                    {"s": session_id},
                )
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=read_then_write)
    worker.start()
    counted.wait()
    _insert_sample(second, session_id, 1)  # waits for the first to commit
    other_committed.set()
    worker.join()

    assert errors == []
    assert second.heart_rate()["bpm"].len() == 2
    first.close()
    second.close()


def test_bulk_import_while_a_live_writer_inserts_every_100_ms(tmp_path: Path):
    """STORE-01 (4): 20 000 imported rows + 50 live rows, no error, nothing lost."""
    path = tmp_path / "db.sqlite"
    importer, live = Store(path), Store(path)
    live_id = _live_session(live)
    errors: list[BaseException] = []

    def record() -> None:
        try:
            for seq in range(50):
                _insert_sample(live, live_id, seq)
                time.sleep(0.1)
        except BaseException as exc:
            errors.append(exc)

    session = ImportedSession(source_name="big.csv", file_format="csv", clock=Clock.UTC)
    for i in range(20_000):
        session.heart_rate.append(1_700_000_000_000 + i * 1000, 60 + i % 100)
    worker = threading.Thread(target=record)
    worker.start()
    for batch in range(4):
        imported = ImportedSession(
            source_name=f"b{batch}.csv", file_format="csv", clock=Clock.UTC
        )
        imported.heart_rate.t_ms = session.heart_rate.t_ms[
            batch * 5000 : (batch + 1) * 5000
        ]
        imported.heart_rate.bpm = session.heart_rate.bpm[
            batch * 5000 : (batch + 1) * 5000
        ]
        imported.heart_rate.contact = [None] * 5000
        importer.add_imported_file(
            ImportRecord(f"sha{batch}", f"b{batch}.csv", "/x", "csv", 1), [imported]
        )
    worker.join()

    assert errors == []
    assert importer.heart_rate()["bpm"].len() == 20_050
    importer.close()
    live.close()
