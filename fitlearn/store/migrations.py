"""Numbered schema migrations, applied in order, each in its own transaction.

A migration is frozen once released: a later change to the schema is a new
migration, never an edit of an old one, so any older database can be brought up
to date without losing data. `schema.py` describes where the steps lead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One step of the schema's history."""

    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "first schema: devices, imports, sessions, heart rate, RR",
        (
            """CREATE TABLE devices (
                id INTEGER NOT NULL PRIMARY KEY,
                kind VARCHAR NOT NULL,
                name VARCHAR,
                address VARCHAR,
                manufacturer VARCHAR,
                product VARCHAR,
                serial VARCHAR
            )""",
            """CREATE TABLE imports (
                id INTEGER NOT NULL PRIMARY KEY,
                sha256 VARCHAR NOT NULL UNIQUE,
                file_name VARCHAR NOT NULL,
                path TEXT NOT NULL,
                file_format VARCHAR NOT NULL,
                size_bytes INTEGER NOT NULL,
                imported_at_ms INTEGER NOT NULL,
                warnings TEXT NOT NULL
            )""",
            """CREATE TABLE sessions (
                id INTEGER NOT NULL PRIMARY KEY,
                source VARCHAR NOT NULL,
                device_id INTEGER REFERENCES devices (id),
                import_id INTEGER REFERENCES imports (id) ON DELETE CASCADE,
                sport VARCHAR,
                clock VARCHAR NOT NULL,
                start_ms INTEGER,
                end_ms INTEGER,
                utc_offset_s INTEGER,
                created_at_ms INTEGER NOT NULL
            )""",
            "CREATE INDEX sessions_by_start ON sessions (start_ms)",
            """CREATE TABLE hr_samples (
                session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                t_ms INTEGER NOT NULL,
                bpm INTEGER,
                contact BOOLEAN,
                PRIMARY KEY (session_id, seq)
            ) WITHOUT ROWID""",
            """CREATE TABLE rr_intervals (
                session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                t_ms INTEGER NOT NULL,
                rr_ms FLOAT NOT NULL,
                after_gap BOOLEAN NOT NULL,
                PRIMARY KEY (session_id, seq)
            ) WITHOUT ROWID""",
        ),
    ),
    Migration(
        2,
        "same-workout links between sessions; per-session feature cache",
        (
            "ALTER TABLE sessions ADD COLUMN duplicate_of INTEGER "
            "REFERENCES sessions (id) ON DELETE SET NULL",
            """CREATE TABLE session_features (
                session_id INTEGER NOT NULL PRIMARY KEY
                    REFERENCES sessions (id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                profile_key VARCHAR NOT NULL,
                payload TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        "live Bluetooth recording: per-session stats, gaps, battery, notification guard",
        (
            """CREATE TABLE live_sessions (
                session_id INTEGER NOT NULL PRIMARY KEY
                    REFERENCES sessions (id) ON DELETE CASCADE,
                backend VARCHAR NOT NULL,
                body_location VARCHAR,
                notifications INTEGER NOT NULL,
                malformed INTEGER NOT NULL,
                duplicates INTEGER NOT NULL,
                energy_kj INTEGER,
                energy_reset_needed BOOLEAN NOT NULL,
                closed_cleanly BOOLEAN NOT NULL
            )""",
            """CREATE TABLE recording_gaps (
                session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                start_ms INTEGER NOT NULL,
                end_ms INTEGER,
                reason VARCHAR NOT NULL,
                PRIMARY KEY (session_id, seq)
            ) WITHOUT ROWID""",
            """CREATE TABLE battery_levels (
                session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                t_ms INTEGER NOT NULL,
                percent INTEGER NOT NULL,
                PRIMARY KEY (session_id, seq)
            ) WITHOUT ROWID""",
            """CREATE TABLE ble_notifications (
                device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
                t_ms INTEGER NOT NULL,
                payload BLOB NOT NULL,
                session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
                PRIMARY KEY (device_id, t_ms, payload)
            ) WITHOUT ROWID""",
            "CREATE INDEX ble_notifications_by_session ON ble_notifications (session_id)",
        ),
    ),
    Migration(
        4,
        "training runs: when, how far, why they stopped, what they cost",
        (
            """CREATE TABLE training_runs (
                id INTEGER NOT NULL PRIMARY KEY,
                model VARCHAR NOT NULL,
                plan_id VARCHAR NOT NULL,
                started_by VARCHAR NOT NULL,
                started_at_ms INTEGER NOT NULL,
                ended_at_ms INTEGER,
                stop_reason VARCHAR,
                first_step INTEGER NOT NULL,
                steps INTEGER NOT NULL,
                total_steps INTEGER NOT NULL,
                loss FLOAT,
                cpu_s FLOAT,
                peak_memory_mb FLOAT,
                data_basis TEXT NOT NULL,
                evaluation TEXT
            )""",
            "CREATE INDEX training_runs_by_start ON training_runs (started_at_ms)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
