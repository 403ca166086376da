"""Writing live Bluetooth recordings: sessions opened once, then batches.

The recorder calls `open_live_session` when a sensor first connects and
`write_live_batches` about once a second. Each call of the latter is one
transaction covering every sensor, so a crash or power cut loses at most the
batch under way and never leaves half a batch behind.

Each heart-rate notification is first inserted into `ble_notifications`, keyed
by (device, receive time, bytes). A notification that is already there is the
same one delivered twice (SEN-06); it is ignored, and so are its samples.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession

from fitlearn.store.schema import (
    Device,
    LiveSession,
    RecordingGap,
    WorkoutSession,
)
from fitlearn.store.store import Store, link_duplicates, now_ms
from sensors.records import Clock, DeviceInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveSample:
    """One heart-rate notification, decoded, as it will be stored.

    Attributes:
        t_ms: Receive time, UTC ms.
        payload: The notification's bytes (the duplicate guard's key).
        bpm: The heart rate, or None without contact.
        contact: Sensor contact as reported (None: not supported).
        rr: RR intervals as (beat time ms, rr_ms, after_gap), oldest first.
    """

    t_ms: int
    payload: bytes
    bpm: int | None
    contact: bool | None
    rr: tuple[tuple[int, float, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class GapEvent:
    """A gap opening (the link went down) or closing (data flows again)."""

    kind: Literal["open", "close"]
    t_ms: int
    reason: str = "disconnected"


@dataclass
class LiveBatch:
    """Everything one sensor produced since the previous batch.

    Counters (`malformed`, `duplicates`) are increments since the previous
    batch; `energy_kj`, `energy_reset_needed`, `body_location` and
    `closed_cleanly` are current values.
    """

    session_id: int
    device_id: int
    samples: list[LiveSample] = field(default_factory=list)
    battery: list[tuple[int, int]] = field(default_factory=list)
    """(t_ms, percent) readings."""
    gaps: list[GapEvent] = field(default_factory=list)
    malformed: int = 0
    duplicates: int = 0
    energy_kj: int | None = None
    energy_reset_needed: bool = False
    body_location: str | None = None
    closed_cleanly: bool = False
    end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one sensor's batch added to the store."""

    session_id: int
    samples_stored: int
    rr_stored: int
    duplicates_ignored: int


def open_live_session(
    store: Store,
    *,
    address: str,
    name: str | None,
    info: DeviceInfo,
    backend: str,
    body_location: str | None,
    start_ms: int,
    utc_offset_s: int | None,
) -> tuple[int, int]:
    """Create the session for one sensor's recording.

    Returns:
        (session id, device id). The device row is found by address and its
        name and Device Information are brought up to date.
    """
    with store.writing() as orm:
        device_id = _ble_device(orm, address, name, info)
        session = WorkoutSession(
            source=address,
            device_id=device_id,
            clock=str(Clock.UTC),
            start_ms=start_ms,
            end_ms=start_ms,
            utc_offset_s=utc_offset_s,
            created_at_ms=now_ms(),
        )
        orm.add(session)
        orm.flush()
        orm.add(
            LiveSession(
                session_id=session.id,
                backend=backend,
                body_location=body_location,
                notifications=0,
                malformed=0,
                duplicates=0,
                energy_kj=None,
                energy_reset_needed=False,
                closed_cleanly=False,
            )
        )
        return session.id, device_id


def _ble_device(
    orm: OrmSession, address: str, name: str | None, info: DeviceInfo
) -> int:
    device = orm.scalars(
        select(Device).where(Device.kind == "ble", Device.address == address)
    ).first()
    if device is None:
        device = Device(kind="ble", address=address)
        orm.add(device)
    device.name = name or device.name
    device.manufacturer = info.manufacturer or device.manufacturer
    device.product = info.product or device.product
    device.serial = info.serial or device.serial
    orm.flush()
    return device.id


def write_live_batches(
    store: Store, batches: Sequence[LiveBatch]
) -> list[BatchOutcome]:
    """Store the batches of all sensors in one transaction.

    Raises:
        sqlalchemy.exc.OperationalError: The database stayed locked or failed;
            nothing of the batches was stored and the caller may retry them.
    """
    with store.writing() as orm:
        connection = orm.connection()
        outcomes = [_write_batch(connection, batch) for batch in batches]
        for batch in batches:
            if batch.closed_cleanly:
                _link_same_workout(orm, batch.session_id)
        return outcomes


def _write_batch(connection: Connection, batch: LiveBatch) -> BatchOutcome:
    hr_seq = _next_seq(connection, "hr_samples", batch.session_id)
    rr_seq = _next_seq(connection, "rr_intervals", batch.session_id)
    stored = rr_stored = ignored = 0
    for sample in batch.samples:
        if not _claim_notification(connection, batch, sample):
            ignored += 1
            continue
        connection.exec_driver_sql(
            "INSERT INTO hr_samples (session_id, seq, t_ms, bpm, contact) VALUES (?, ?, ?, ?, ?)",
            (batch.session_id, hr_seq, sample.t_ms, sample.bpm, sample.contact),
        )
        hr_seq += 1
        stored += 1
        for t_ms, rr_ms, after_gap in sample.rr:
            connection.exec_driver_sql(
                "INSERT INTO rr_intervals (session_id, seq, t_ms, rr_ms, after_gap) "
                "VALUES (?, ?, ?, ?, ?)",
                (batch.session_id, rr_seq, t_ms, rr_ms, after_gap),
            )
            rr_seq += 1
            rr_stored += 1
    if ignored:
        logger.warning(
            "Session %d: ignored %d notification(s) already stored (delivered twice)",
            batch.session_id,
            ignored,
        )
    _write_battery(connection, batch)
    _write_gaps(connection, batch)
    _update_session(connection, batch, stored, ignored)
    return BatchOutcome(batch.session_id, stored, rr_stored, ignored)


def _next_seq(connection: Connection, table: str, session_id: int) -> int:
    row = connection.exec_driver_sql(
        f"SELECT COALESCE(MAX(seq) + 1, 0) FROM {table} WHERE session_id = ?",
        (session_id,),
    ).scalar_one()
    return int(row)


def _claim_notification(
    connection: Connection, batch: LiveBatch, sample: LiveSample
) -> bool:
    result = connection.exec_driver_sql(
        "INSERT OR IGNORE INTO ble_notifications (device_id, t_ms, payload, session_id) "
        "VALUES (?, ?, ?, ?)",
        (batch.device_id, sample.t_ms, sample.payload, batch.session_id),
    )
    return bool(result.rowcount)


def _write_battery(connection: Connection, batch: LiveBatch) -> None:
    seq = _next_seq(connection, "battery_levels", batch.session_id)
    for offset, (t_ms, percent) in enumerate(batch.battery):
        connection.exec_driver_sql(
            "INSERT INTO battery_levels (session_id, seq, t_ms, percent) VALUES (?, ?, ?, ?)",
            (batch.session_id, seq + offset, t_ms, percent),
        )


def _write_gaps(connection: Connection, batch: LiveBatch) -> None:
    for gap in batch.gaps:
        if gap.kind == "open":
            connection.exec_driver_sql(
                "INSERT INTO recording_gaps (session_id, seq, start_ms, end_ms, reason) "
                "VALUES (?, ?, ?, NULL, ?)",
                (
                    batch.session_id,
                    _next_seq(connection, "recording_gaps", batch.session_id),
                    gap.t_ms,
                    gap.reason,
                ),
            )
        else:
            connection.exec_driver_sql(
                "UPDATE recording_gaps SET end_ms = ? WHERE session_id = ? AND end_ms IS NULL",
                (gap.t_ms, batch.session_id),
            )


def _update_session(
    connection: Connection, batch: LiveBatch, stored: int, ignored: int
) -> None:
    connection.exec_driver_sql(
        "UPDATE live_sessions SET notifications = notifications + ?, "
        "malformed = malformed + ?, duplicates = duplicates + ?, energy_kj = ?, "
        "energy_reset_needed = ?, body_location = COALESCE(?, body_location), "
        "closed_cleanly = ? WHERE session_id = ?",
        (
            stored,
            batch.malformed,
            batch.duplicates + ignored,
            batch.energy_kj,
            batch.energy_reset_needed,
            batch.body_location,
            batch.closed_cleanly,
            batch.session_id,
        ),
    )
    if batch.end_ms is not None:
        connection.exec_driver_sql(
            "UPDATE sessions SET end_ms = MAX(COALESCE(end_ms, 0), ?) WHERE id = ?",
            (batch.end_ms, batch.session_id),
        )


def _link_same_workout(orm: OrmSession, session_id: int) -> None:
    session = orm.get(WorkoutSession, session_id)
    if session is not None:
        link_duplicates(orm, session)


def recording_gaps(store: Store, session_id: int) -> list[RecordingGap]:
    """The gaps of one live session, in order."""
    with store.reading() as orm:
        gaps = orm.scalars(
            select(RecordingGap)
            .where(RecordingGap.session_id == session_id)
            .order_by(RecordingGap.seq)
        ).all()
        orm.expunge_all()
        return list(gaps)


def live_session(store: Store, session_id: int) -> LiveSession | None:
    """The live-recording facts of one session, if it was recorded live."""
    with store.reading() as orm:
        found = orm.get(LiveSession, session_id)
        if found is not None:
            orm.expunge(found)
        return found
