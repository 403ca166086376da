"""The current schema, as SQLAlchemy models.

Times are integer milliseconds since the Unix epoch, UTC (`*_ms`), except in
sessions whose `clock` is `relative`: their sample times count from zero. Bulk
rows (heart-rate samples, RR intervals) are written with Core inserts on the
tables below; the ORM classes serve everything else.

The migrations in `fitlearn.store.migrations` build exactly this schema, step by
step, from an empty file or from any older version; a test keeps the two equal.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Base of all models."""


class Device(Base):
    """A watch, bike computer or strap that produced data."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String, nullable=False)
    """`file` (known from an imported file) or `ble` (a live sensor)."""
    name: Mapped[str | None] = mapped_column(String)
    address: Mapped[str | None] = mapped_column(String)
    manufacturer: Mapped[str | None] = mapped_column(String)
    product: Mapped[str | None] = mapped_column(String)
    serial: Mapped[str | None] = mapped_column(String)


class Import(Base):
    """One imported file, remembered by content hash so it is imported once."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    file_name: Mapped[str] = mapped_column(String, nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    file_format: Mapped[str] = mapped_column(String, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    warnings: Mapped[str] = mapped_column(Text, nullable=False, default="")


class WorkoutSession(Base):
    """One workout: from a file, or one connection of a live sensor."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String, nullable=False)
    """The imported file's name, or the sensor's address."""
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE")
    )
    sport: Mapped[str | None] = mapped_column(String)
    clock: Mapped[str] = mapped_column(String, nullable=False)
    """`utc`, `local_assumed` or `relative` (see `sensors.records.Clock`)."""
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    utc_offset_s: Mapped[int | None] = mapped_column(Integer)
    created_at_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL")
    )
    """Another stored session of the same workout (the same ride as FIT and TCX).

    Daily load counts each workout once: a session with this set is left out.
    """

    __table_args__ = (Index("sessions_by_start", "start_ms"),)


class HeartRateSample(Base):
    """One heart-rate reading. `bpm` is null only where contact was lost."""

    __tablename__ = "hr_samples"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    t_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    bpm: Mapped[int | None] = mapped_column(Integer)
    contact: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RRInterval(Base):
    """One beat-to-beat interval; `after_gap` marks a break in the beat sequence."""

    __tablename__ = "rr_intervals"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    t_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    rr_ms: Mapped[float] = mapped_column(Float, nullable=False)
    after_gap: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SessionFeatures(Base):
    """Per-session features, cached so a new day does not recompute the year.

    A row is valid only for the profile it was computed with (`profile_key`) and
    the feature code's `version`; anything else is recomputed.
    """

    __tablename__ = "session_features"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    profile_key: Mapped[str] = mapped_column(String, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    """The features as JSON (see `fitlearn.features.session`)."""


class LiveSession(Base):
    """What a live Bluetooth recording adds to its session (one row per session)."""

    __tablename__ = "live_sessions"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    backend: Mapped[str] = mapped_column(String, nullable=False)
    """The Bluetooth backend that recorded it (`bleak`, `bumble`)."""
    body_location: Mapped[str | None] = mapped_column(String)
    notifications: Mapped[int] = mapped_column(Integer, nullable=False)
    """Heart-rate notifications received and decoded."""
    malformed: Mapped[int] = mapped_column(Integer, nullable=False)
    """Notifications rejected as malformed (logged with their bytes, not stored)."""
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False)
    """Second deliveries of one notification, dropped (SEN-06)."""
    energy_kj: Mapped[int | None] = mapped_column(Integer)
    """Energy expended during the session: increases of the sensor's counter."""
    energy_reset_needed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    """The sensor's energy counter saturated at 0xFFFF."""
    closed_cleanly: Mapped[bool] = mapped_column(Boolean, nullable=False)
    """False until the recorder stopped normally (a crash leaves it False)."""


class RecordingGap(Base):
    """A time without data in a live session: the link was down.

    `end_ms` is null when the recording stopped before the sensor came back.
    """

    __tablename__ = "recording_gaps"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String, nullable=False)

    __table_args__ = ({"sqlite_with_rowid": False},)


class BatteryLevel(Base):
    """A sensor battery reading during a live session."""

    __tablename__ = "battery_levels"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    t_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    percent: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = ({"sqlite_with_rowid": False},)


class BleNotification(Base):
    """Every stored heart-rate notification, raw, keyed to store each only once.

    A second row with the same device, receive time and bytes is the same
    notification delivered twice, and is ignored (SEN-06).
    """

    __tablename__ = "ble_notifications"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    t_ms: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    )

    __table_args__ = (
        Index("ble_notifications_by_session", "session_id"),
        {"sqlite_with_rowid": False},
    )


class TrainingRun(Base):
    """One run of the on-device trainer, from start to stop.

    A row is written when a run starts and completed when it stops; a row
    without `ended_at_ms` is a run that never got to say why it stopped (the
    process was killed or the machine lost power).
    """

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String, nullable=False)
    """The model plugin's name."""
    plan_id: Mapped[str] = mapped_column(String, nullable=False)
    """Identifies model, data and settings; runs with one plan_id resume each other."""
    started_by: Mapped[str] = mapped_column(String, nullable=False)
    """`cli` (fitlearn train) or `daemon`."""
    started_at_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    ended_at_ms: Mapped[int | None] = mapped_column(Integer)
    stop_reason: Mapped[str | None] = mapped_column(String)
    """`completed`, `power`, `time_cap`, `memory_cap`, `interrupted` or `failed`."""
    first_step: Mapped[int] = mapped_column(Integer, nullable=False)
    """The plan's step this run started at (0, or where a checkpoint left off)."""
    steps: Mapped[int] = mapped_column(Integer, nullable=False)
    """Steps taken in this run."""
    total_steps: Mapped[int] = mapped_column(Integer, nullable=False)
    loss: Mapped[float | None] = mapped_column(Float)
    """Mean training loss over the run's last steps."""
    cpu_s: Mapped[float | None] = mapped_column(Float)
    peak_memory_mb: Mapped[float | None] = mapped_column(Float)
    """Peak resident memory above the run's start, MB."""
    data_basis: Mapped[str] = mapped_column(Text, nullable=False)
    """Which data the model rests on, in words."""
    evaluation: Mapped[str | None] = mapped_column(Text)
    """Held-out errors as JSON (see `fitlearn.training.trainer.Evaluation`)."""

    __table_args__ = (Index("training_runs_by_start", "started_at_ms"),)
