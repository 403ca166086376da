"""The store: one SQLite file holding everything a person recorded."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession

from fitlearn.errors import SchemaTooNewError, StoreError
from fitlearn.store.engine import create_sqlite_engine
from fitlearn.store.migrations import LATEST_VERSION, MIGRATIONS, Migration
from fitlearn.store.schema import Device, Import, WorkoutSession
from sensors.records import Clock, DeviceInfo, ImportedSession

logger = logging.getLogger(__name__)

FETCH_ROWS = 200_000

HEART_RATE_SCHEMA = {"session_id": pl.Int64, "t_ms": pl.Int64, "bpm": pl.Int16}
"""Columns of `Store.heart_rate` frames (and of what the feature code expects)."""
RR_SCHEMA = {
    "session_id": pl.Int64,
    "seq": pl.Int64,
    "t_ms": pl.Int64,
    "rr_ms": pl.Float64,
    "after_gap": pl.Boolean,
}
"""Columns of `Store.rr_intervals` frames."""

FORMAT_RANK = {"fit": 4, "ble": 4, "hrm": 3, "tcx": 2, "gpx": 1, "csv": 1, "rr": 0}
"""Which copy of a workout stored twice counts: the device's own file first."""


@dataclass(frozen=True)
class ImportRecord:
    """What the store remembers of an imported file."""

    sha256: str
    file_name: str
    path: str
    file_format: str
    size_bytes: int
    warnings: Sequence[str] = ()


def now_ms() -> int:
    """The current time, UTC milliseconds."""
    return time.time_ns() // 1_000_000


class Store:
    """A fitlearn database file, migrated to the current schema on open.

    Args:
        path: The SQLite file; it and its folder are created if missing.

    Raises:
        StoreError: The file is not a database or cannot be opened.
        SchemaTooNewError: A newer fitlearn wrote it.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = create_sqlite_engine(self.path, immediate=True)
            self._reader = create_sqlite_engine(self.path, immediate=False)
            migrate(self._writer, self.path)
        except (DBAPIError, sqlite3.DatabaseError, OSError) as exc:
            self.close()
            cause = getattr(exc, "orig", None) or exc
            raise StoreError(
                f"Cannot open the database {self.path}: {cause}. The file and its "
                "folder must be readable and writable (SQLite keeps a -wal file "
                "beside it); if the file is not a fitlearn database, point --db (or "
                "FITLEARN_DB) at another path."
            ) from exc

    def close(self) -> None:
        """Release all connections."""
        for engine in (getattr(self, "_writer", None), getattr(self, "_reader", None)):
            if engine is not None:
                engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """The writer engine (transactions begin IMMEDIATE)."""
        return self._writer

    @contextmanager
    def writing(self) -> Iterator[OrmSession]:
        """A write transaction, committed on success and rolled back on error."""
        with OrmSession(self._writer) as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[OrmSession]:
        """A read-only session on a consistent snapshot."""
        with OrmSession(self._reader) as session, session.begin():
            yield session

    def schema_version(self) -> int:
        """The schema version of the file (the latest after opening)."""
        with self._reader.connect() as conn:
            return _applied_version(conn.connection.driver_connection)  # type: ignore[arg-type]

    # Imports -------------------------------------------------------------------

    def find_import(self, sha256: str) -> Import | None:
        """The earlier import of a file with this content, if any."""
        with self.reading() as session:
            found = session.scalars(
                select(Import).where(Import.sha256 == sha256)
            ).first()
            if found is not None:
                session.expunge(found)
            return found

    def date_undated_sessions(
        self, import_id: int, start_ms: int, utc_offset_s: int | None
    ) -> list[int]:
        """Give a date to an imported file's undated sessions, in one transaction.

        Their relative times become `start_ms` + offset; the feature cache of those
        sessions is dropped, and copies of the same workout are linked.

        Returns:
            The ids of the sessions that were dated (empty if none was undated).
        """
        with self.writing() as orm:
            undated = list(
                orm.scalars(
                    select(WorkoutSession).where(
                        WorkoutSession.import_id == import_id,
                        WorkoutSession.clock == str(Clock.RELATIVE),
                    )
                )
            )
            for session in undated:
                _shift_session(orm, session, start_ms, utc_offset_s)
            return [session.id for session in undated]

    def add_imported_file(
        self, record: ImportRecord, sessions: Sequence[ImportedSession]
    ) -> list[int]:
        """Store a file's sessions and samples in one transaction.

        Either all of the file is stored or none of it: a crash half-way leaves
        the database as it was.

        Returns:
            The new sessions' ids.
        """
        with self.writing() as orm:
            entry = Import(
                sha256=record.sha256,
                file_name=record.file_name,
                path=record.path,
                file_format=record.file_format,
                size_bytes=record.size_bytes,
                imported_at_ms=now_ms(),
                warnings="\n".join(record.warnings),
            )
            orm.add(entry)
            orm.flush()
            return [self._add_session(orm, entry.id, s) for s in sessions]

    def _add_session(
        self, orm: OrmSession, import_id: int, imported: ImportedSession
    ) -> int:
        start_ms, end_ms = _span(imported)
        row = WorkoutSession(
            source=imported.source_name,
            device_id=_device_id(orm, "file", imported.device),
            import_id=import_id,
            sport=imported.sport,
            clock=str(imported.clock),
            start_ms=start_ms,
            end_ms=end_ms,
            utc_offset_s=imported.utc_offset_s,
            created_at_ms=now_ms(),
        )
        orm.add(row)
        orm.flush()
        hr, rr = imported.heart_rate, imported.rr
        _insert_rows(
            orm,
            "INSERT INTO hr_samples (session_id, seq, t_ms, bpm, contact) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (row.id, i, *values)
                for i, values in enumerate(
                    zip(hr.t_ms, hr.bpm, hr.contact, strict=False)
                )
            ],
        )
        _insert_rows(
            orm,
            "INSERT INTO rr_intervals (session_id, seq, t_ms, rr_ms, after_gap) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (row.id, i, *values)
                for i, values in enumerate(
                    zip(rr.t_ms, rr.rr_ms, rr.after_gap, strict=False)
                )
            ],
        )
        link_duplicates(orm, row)
        return row.id

    # Sessions and samples -------------------------------------------------------

    def sessions(self) -> list[WorkoutSession]:
        """All sessions, oldest first (sessions without a date last)."""
        with self.reading() as orm:
            rows = orm.scalars(
                select(WorkoutSession).order_by(
                    WorkoutSession.start_ms.is_(None),
                    WorkoutSession.start_ms,
                    WorkoutSession.id,
                )
            ).all()
            orm.expunge_all()
            return list(rows)

    def heart_rate(self, session_ids: Sequence[int] | None = None) -> pl.DataFrame:
        """Heart-rate samples with a reading: `session_id`, `t_ms`, `bpm`."""
        return self._frame(
            "SELECT session_id, t_ms, bpm FROM hr_samples WHERE bpm IS NOT NULL",
            session_ids,
            HEART_RATE_SCHEMA,
        )

    def rr_intervals(self, session_ids: Sequence[int] | None = None) -> pl.DataFrame:
        """RR intervals: `session_id`, `seq`, `t_ms`, `rr_ms`, `after_gap`."""
        return self._frame(
            "SELECT session_id, seq, t_ms, rr_ms, after_gap FROM rr_intervals WHERE 1",
            session_ids,
            RR_SCHEMA,
        )

    def _frame(
        self,
        sql: str,
        session_ids: Sequence[int] | None,
        schema: Mapping[str, type[pl.DataType]],
    ) -> pl.DataFrame:
        params: list[int] = []
        if session_ids is not None:
            ids = list(session_ids)
            sql += (
                f" AND session_id IN ({', '.join('?' * len(ids))})" if ids else " AND 0"
            )
            params = ids
        sql += (
            " ORDER BY session_id, seq"
            if "seq" in sql
            else " ORDER BY session_id, t_ms"
        )
        parts = []
        with self._reader.connect() as conn:
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            cursor = raw.execute(sql, params)
            # Fetched in slices: Python tuples cost ~10x the frame they become.
            while rows := cursor.fetchmany(FETCH_ROWS):
                parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
        if not parts:
            return pl.DataFrame(schema=schema)
        return pl.concat(parts, rechunk=False)


def _shift_session(
    orm: OrmSession, session: WorkoutSession, start_ms: int, utc_offset_s: int | None
) -> None:
    params = {"id": session.id, "start": start_ms}
    for table in ("hr_samples", "rr_intervals"):
        orm.execute(
            text(f"UPDATE {table} SET t_ms = t_ms + :start WHERE session_id = :id"),
            params,
        )
    orm.execute(text("DELETE FROM session_features WHERE session_id = :id"), params)
    span = orm.execute(
        text(
            "SELECT MIN(t), MAX(t) FROM (SELECT t_ms AS t FROM hr_samples WHERE "
            "session_id = :id UNION ALL SELECT t_ms - rr_ms FROM rr_intervals WHERE "
            "session_id = :id UNION ALL SELECT t_ms FROM rr_intervals WHERE "
            "session_id = :id)"
        ),
        params,
    ).one()
    session.clock = str(Clock.UTC)
    session.start_ms = round(span[0]) if span[0] is not None else start_ms
    session.end_ms = round(span[1]) if span[1] is not None else start_ms
    session.utc_offset_s = utc_offset_s
    orm.flush()
    link_duplicates(orm, session)


def _span(imported: ImportedSession) -> tuple[int | None, int | None]:
    """First and last instant of a dated session.

    An RR interval's timestamp marks the end of its beat, so the beat began one
    interval earlier.
    """
    if imported.clock is Clock.RELATIVE or not imported.has_data:
        return None, None
    hr, rr = imported.heart_rate, imported.rr
    starts = ([min(hr.t_ms)] if hr else []) + (
        [rr.t_ms[0] - round(rr.rr_ms[0])] if rr else []
    )
    ends = ([max(hr.t_ms)] if hr else []) + rr.t_ms[-1:]
    return min(starts), max(ends)


def _insert_rows(orm: OrmSession, sql: str, rows: list[tuple[object, ...]]) -> None:
    if rows:  # an empty executemany would run the statement once, unbound
        orm.connection().exec_driver_sql(sql, rows)


def link_duplicates(orm: OrmSession, new: WorkoutSession) -> None:
    """Mark `new`, or the copy it overlaps, as a duplicate of the better copy.

    Two sessions are one workout when they overlap for more than half of the
    longer one (and so of both): a short strap recording inside a long watch
    workout is a part of it, not a copy, and must not make the workout vanish
    from the day's load. The copy with RR intervals wins, then the device's own
    format (FIT before TCX before GPX), then the one with more samples.
    """
    if new.start_ms is None or new.end_ms is None or new.end_ms <= new.start_ms:
        return
    candidates = orm.scalars(
        select(WorkoutSession).where(
            WorkoutSession.id != new.id,
            WorkoutSession.duplicate_of.is_(None),
            WorkoutSession.start_ms < new.end_ms,
            WorkoutSession.end_ms > new.start_ms,
        )
    ).all()
    new_rank = _rank(orm, new) if candidates else None
    for other in candidates:
        assert other.start_ms is not None
        assert other.end_ms is not None
        overlap = min(other.end_ms, new.end_ms) - max(other.start_ms, new.start_ms)
        longer = max(other.end_ms - other.start_ms, new.end_ms - new.start_ms)
        if overlap * 2 <= longer:
            continue
        assert new_rank is not None
        if _rank(orm, other) >= new_rank:
            new.duplicate_of = other.id
            return
        _demote(orm, other, new.id)


def _rank(orm: OrmSession, session: WorkoutSession) -> tuple[bool, int, int]:
    """Which copy of a workout counts: has RR, then format, then sample count.

    A session without an import is a live recording ("ble").
    """
    connection = orm.connection()
    rr = connection.execute(
        text("SELECT COUNT(*) FROM rr_intervals WHERE session_id = :id"),
        {"id": session.id},
    ).scalar_one()
    samples = connection.execute(
        text("SELECT COUNT(*) FROM hr_samples WHERE session_id = :id"),
        {"id": session.id},
    ).scalar_one()
    file_format = connection.execute(
        text("SELECT file_format FROM imports WHERE id = :id"),
        {"id": session.import_id},
    ).scalar_one_or_none()
    return rr > 0, FORMAT_RANK.get(file_format or "ble", 0), samples


def _demote(orm: OrmSession, old: WorkoutSession, winner_id: int) -> None:
    old.duplicate_of = winner_id
    for follower in orm.scalars(
        select(WorkoutSession).where(WorkoutSession.duplicate_of == old.id)
    ):
        follower.duplicate_of = winner_id


def _device_id(orm: OrmSession, kind: str, info: DeviceInfo) -> int | None:
    if info.manufacturer is None and info.product is None and info.serial is None:
        return None
    existing = orm.scalars(
        select(Device).where(
            Device.kind == kind,
            Device.manufacturer.is_not_distinct_from(info.manufacturer),
            Device.product.is_not_distinct_from(info.product),
            Device.serial.is_not_distinct_from(info.serial),
        )
    ).first()
    if existing is not None:
        return existing.id
    device = Device(
        kind=kind,
        manufacturer=info.manufacturer,
        product=info.product,
        serial=info.serial,
    )
    orm.add(device)
    orm.flush()
    return device.id


# Migrations ---------------------------------------------------------------------


def migrate(engine: Engine, path: Path) -> None:
    """Bring the file's schema to `LATEST_VERSION`, one transaction per step.

    Before upgrading a database that already holds data, a copy is saved next to
    it (`<name>.v<N>.bak`), so an upgrade can never cost the person their history.
    """
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        current = _applied_version(raw)
        if current > LATEST_VERSION:
            raise SchemaTooNewError(
                f"{path} uses schema version {current}, but this fitlearn knows only up "
                f"to {LATEST_VERSION}. Upgrade fitlearn (pip install -U fitlearn)."
            )
        if current == LATEST_VERSION:
            return
        if current > 0:
            _backup(raw, path, current)
        for migration in MIGRATIONS:
            if migration.version > current:
                _apply(raw, migration)


def _applied_version(raw: sqlite3.Connection) -> int:
    exists = raw.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = raw.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def _apply(raw: sqlite3.Connection, migration: Migration) -> None:
    raw.execute("BEGIN IMMEDIATE")
    try:
        raw.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, "
            "applied_at_ms INTEGER NOT NULL)"
        )
        if _applied_version(raw) >= migration.version:
            raw.execute("ROLLBACK")  # another process got here first
            return
        for statement in migration.statements:
            raw.execute(statement)
        raw.execute(
            "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
            (migration.version, migration.name, now_ms()),
        )
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    logger.info(
        "Database schema upgraded to version %d (%s)", migration.version, migration.name
    )


def _backup(raw: sqlite3.Connection, path: Path, version: int) -> None:
    target = path.with_name(f"{path.name}.v{version}.bak")
    if target.exists():
        return
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    raw.execute("VACUUM INTO ?", (str(partial),))
    shutil.move(partial, target)
    logger.info(
        "Saved a copy of the schema-%d database at %s before upgrading", version, target
    )
