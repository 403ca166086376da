"""FIT files (Garmin and most other watches and bike computers).

Heart rate comes from `record` messages, beat-to-beat intervals from `hrv`
messages. fitdecode does the byte-level decoding; this module decides what the
values mean: invalid sentinels, device-relative clocks, local time, damage.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

import fitdecode

from sensors.errors import UnreadableFileError
from sensors.importers._time import assumed_zone_note, plausible_offset_s, utc_offset_s
from sensors.plausible import is_plausible_bpm, is_plausible_rr_ms
from sensors.records import Clock, DeviceInfo, ImportedFile, ImportedSession

logger = logging.getLogger(__name__)

FIT_EPOCH_S = 631065600
"""1989-12-31T00:00:00Z, the zero of FIT `date_time` values, in Unix seconds."""
FIT_SYSTEM_TIME_LIMIT = 0x10000000
"""FIT `date_time` values below this count seconds since device power-on, not UTC."""


@dataclass
class _FitScan:
    """What one pass over a FIT file collected, timestamps still raw."""

    hr_ts: list[int] = field(default_factory=list)
    hr_bpm: list[int] = field(default_factory=list)
    first_record_ts: int | None = None
    rr_ms: list[float] = field(default_factory=list)
    rr_after_gap: list[bool] = field(default_factory=list)
    rr_gap_pending: bool = False
    sport: str | None = None
    device: DeviceInfo = field(default_factory=DeviceInfo)
    activity_ts: int | None = None
    activity_local_ts: int | None = None
    correlation: tuple[int, int] | None = None
    """(UTC timestamp, system timestamp) from a `timestamp_correlation` message."""
    dropped_bpm: int = 0
    dropped_rr: int = 0
    damage: str | None = None
    data_messages: int = 0


def read_fit(path: Path, source: IO[bytes], timezone: tzinfo) -> ImportedFile:
    """Read one FIT file (chained FIT files included) into a session.

    Args:
        path: The file's path, for names in messages.
        source: The file's bytes.
        timezone: Used only when the file has no UTC clock and no offset of its own.

    Returns:
        One session, and warnings about anything skipped.

    Raises:
        UnreadableFileError: The file holds no heart rate and no RR interval.
    """
    scan = _scan(source)
    warnings = _describe_damage(path, scan)
    if not scan.hr_bpm and not scan.rr_ms:
        why = "it has no heart-rate values and no RR (hrv) data"
        if scan.damage:
            why += f" in the part that could be read; also, {scan.damage}"
        raise UnreadableFileError(f"{path.name}: nothing to import: {why}.")

    session = ImportedSession(
        source_name=path.name,
        file_format="fit",
        clock=Clock.UTC,
        sport=scan.sport,
        device=scan.device,
    )
    to_utc_s, session.clock, note = _clock_mapping(path, scan, timezone)
    if note:
        warnings.append(note)
    for ts, bpm in zip(scan.hr_ts, scan.hr_bpm, strict=True):
        session.heart_rate.append(to_utc_s(ts) * 1000, bpm)
    _attach_rr(session, scan, to_utc_s)
    session.utc_offset_s = _utc_offset(scan, session, timezone)
    return ImportedFile([session], warnings)


def _scan(source: IO[bytes]) -> _FitScan:
    scan = _FitScan()
    reader = fitdecode.FitReader(
        source,
        processor=fitdecode.DataProcessorBase(),
        check_crc=fitdecode.CrcCheck.READONLY,
        error_handling=fitdecode.ErrorHandling.IGNORE,
    )
    try:
        with reader:
            for frame in reader:
                _take_frame(scan, frame)
    except fitdecode.FitEOFError as exc:
        scan.damage = f"the file ends early ({exc}); it looks cut off"
    except (fitdecode.FitError, ValueError, KeyError, IndexError, struct.error) as exc:
        # Flipped bits make fitdecode fail in many ways; what came before is intact.
        scan.damage = f"it is damaged ({type(exc).__name__}: {exc})"
    return scan


def _take_frame(scan: _FitScan, frame: Any) -> None:
    if isinstance(frame, fitdecode.FitDataMessage):
        scan.data_messages += 1
        handler = _HANDLERS.get(frame.name)
        if handler is not None:
            handler(scan, frame)
    elif isinstance(frame, fitdecode.FitCRC) and not frame.matched:
        scan.damage = (
            scan.damage or "its checksum does not match (the file was altered)"
        )
    elif isinstance(frame, fitdecode.FitHeader) and frame.crc_matched is False:
        scan.damage = scan.damage or "its header checksum does not match"


def _take_record(scan: _FitScan, msg: Any) -> None:
    ts = msg.get_value("timestamp", fallback=None)
    if ts is None:
        return
    if scan.first_record_ts is None:
        scan.first_record_ts = ts
    bpm = msg.get_value("heart_rate", fallback=None)
    if bpm is None:
        return  # 0xFF: the field's "no value"; fitdecode gives None
    if is_plausible_bpm(bpm):
        scan.hr_ts.append(ts)
        scan.hr_bpm.append(bpm)
    else:
        scan.dropped_bpm += 1


def _take_hrv(scan: _FitScan, msg: Any) -> None:
    values = msg.get_value("time", fallback=None)
    if values is None:
        return
    if not isinstance(values, tuple | list):
        values = (values,)
    for seconds in values:
        if seconds is None:
            continue  # unused slot (0xFFFF)
        rr_ms = float(round(seconds * 1000))
        if is_plausible_rr_ms(rr_ms):
            scan.rr_ms.append(rr_ms)
            scan.rr_after_gap.append(scan.rr_gap_pending)
            scan.rr_gap_pending = False
        else:
            # A dropped beat breaks adjacency: the next difference is not real.
            scan.dropped_rr += 1
            scan.rr_gap_pending = bool(scan.rr_ms)


def _take_session(scan: _FitScan, msg: Any) -> None:
    if scan.sport is None:
        sport = msg.get_value("sport", fallback=None)
        scan.sport = str(sport) if sport is not None else None


def _take_activity(scan: _FitScan, msg: Any) -> None:
    scan.activity_ts = msg.get_value("timestamp", fallback=None)
    scan.activity_local_ts = msg.get_value("local_timestamp", fallback=None)


def _take_file_id(scan: _FitScan, msg: Any) -> None:
    if scan.device.manufacturer is not None:
        return  # chained files repeat file_id; the first one names the device
    manufacturer = msg.get_value("manufacturer", fallback=None)
    product = msg.get_value("garmin_product", fallback=None) or msg.get_value(
        "product", fallback=None
    )
    serial = msg.get_value("serial_number", fallback=None)
    scan.device = DeviceInfo(
        manufacturer=str(manufacturer) if manufacturer is not None else None,
        product=str(product) if product is not None else None,
        serial=str(serial) if serial is not None else None,
    )


def _take_correlation(scan: _FitScan, msg: Any) -> None:
    utc = msg.get_value("timestamp", fallback=None)
    system = msg.get_value("system_timestamp", fallback=None)
    if utc is not None and system is not None and utc >= FIT_SYSTEM_TIME_LIMIT:
        scan.correlation = (utc, system)


# Limitation: `hr` messages (swim heart rate that HRM-Swim/Tri straps store and the
# watch replays afterwards) are not read; only `record` heart rate is imported.
_HANDLERS = {
    "record": _take_record,
    "hrv": _take_hrv,
    "session": _take_session,
    "activity": _take_activity,
    "file_id": _take_file_id,
    "timestamp_correlation": _take_correlation,
}


def _describe_damage(path: Path, scan: _FitScan) -> list[str]:
    warnings = []
    if scan.damage and (scan.hr_bpm or scan.rr_ms):
        warnings.append(
            f"{path.name}: {scan.damage}. Kept the {len(scan.hr_bpm)} heart-rate "
            f"samples and {len(scan.rr_ms)} RR intervals that decoded intact; "
            "anything after the damage is skipped."
        )
    if scan.dropped_bpm:
        warnings.append(
            f"{path.name}: skipped {scan.dropped_bpm} heart-rate values outside "
            "25-250 bpm (zeros or sensor glitches)."
        )
    if scan.dropped_rr:
        warnings.append(
            f"{path.name}: skipped {scan.dropped_rr} RR values outside 200-3000 ms."
        )
    return warnings


def _clock_mapping(
    path: Path, scan: _FitScan, timezone: tzinfo
) -> tuple[Any, Clock, str | None]:
    """Return a raw-timestamp-to-UTC-seconds function, the clock kind and a note."""
    first = scan.first_record_ts
    if first is not None and first >= FIT_SYSTEM_TIME_LIMIT:
        return (lambda ts: ts + FIT_EPOCH_S), Clock.UTC, None
    if first is None:
        return (lambda ts: 0), Clock.RELATIVE, None  # RR without any timestamp

    # Device-relative "system time": anchor it to a real clock if the file has one.
    if scan.correlation is not None:
        utc, system = scan.correlation
        shift = utc - system
        return (lambda ts: ts + shift + FIT_EPOCH_S), Clock.UTC, None
    local_end_s = scan.activity_local_ts
    if scan.activity_ts is not None and local_end_s is not None:
        local_end = datetime.fromtimestamp(local_end_s + FIT_EPOCH_S, UTC)
        utc_end = int(local_end.replace(tzinfo=timezone).timestamp())
        shift = utc_end - scan.activity_ts
        note = assumed_zone_note(path.name, timezone)
        return (lambda ts: ts + shift), Clock.LOCAL_ASSUMED, note
    # Only time since the device was switched on: no calendar date at all.
    return (lambda ts: ts - first), Clock.RELATIVE, None


def _attach_rr(session: ImportedSession, scan: _FitScan, to_utc_s: Any) -> None:
    """Give each RR interval the time of its beat, counting from the first record."""
    if not scan.rr_ms:
        return
    first = scan.first_record_ts
    anchor_ms = to_utc_s(first) * 1000 if first is not None else 0
    elapsed = 0.0
    for rr_ms, after_gap in zip(scan.rr_ms, scan.rr_after_gap, strict=True):
        elapsed += rr_ms
        session.rr.append(anchor_ms + round(elapsed), rr_ms, after_gap)


def _utc_offset(
    scan: _FitScan, session: ImportedSession, timezone: tzinfo
) -> int | None:
    """Local minus UTC: from the file's own `local_timestamp`, else the zone's rule."""
    both_real = (
        scan.activity_ts is not None
        and scan.activity_local_ts is not None
        and scan.activity_ts >= FIT_SYSTEM_TIME_LIMIT
    )
    if both_real:
        offset = int(scan.activity_local_ts - scan.activity_ts)  # type: ignore[operator]
        if plausible_offset_s(offset) is not None:
            return offset
    if session.clock is Clock.RELATIVE or not session.heart_rate.t_ms:
        return None
    return utc_offset_s(session.heart_rate.t_ms[0], timezone)
