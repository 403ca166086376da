"""Beat-to-beat (RR) recordings as text: plain lists and Polar `.hrm` files.

A plain list has one RR interval per line (milliseconds, or seconds when every
value is below 10) and no clock: its session has relative times. A Polar HRM file
holds either RR intervals (`Interval=238`) or heart rate sampled every `Interval`
seconds, and a start date and time in the watch's local time.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO

from sensors.errors import UnreadableFileError
from sensors.importers._time import assumed_zone_note, local_to_utc_ms, utc_offset_s
from sensors.plausible import (
    MAX_VALUES_PER_FILE,
    is_plausible_bpm,
    is_plausible_rr_ms,
    too_many_values,
)
from sensors.records import Clock, ImportedFile, ImportedSession

POLAR_RR_MODE = 238
"""`Interval` value that marks a Polar HRM file as an RR recording."""


def read_rr_text(path: Path, source: IO[bytes], timezone: tzinfo) -> ImportedFile:
    """Read a plain list of RR intervals, one per line.

    Raises:
        UnreadableFileError: No line is a beat.
    """
    with io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace") as lines:
        values = _numbers(path, lines)
    finite = [v for v in values if math.isfinite(v)]
    if finite and max(finite) < 10:
        values = [v * 1000 for v in values]  # written in seconds
    session = ImportedSession(
        source_name=path.name, file_format="rr", clock=Clock.RELATIVE
    )
    skipped = _append_rr(session, values, start_ms=0)
    return _finish(path, session, [], skipped)


def read_polar_hrm(path: Path, source: IO[bytes], timezone: tzinfo) -> ImportedFile:
    """Read a Polar HRM file (RR mode or sampled heart rate).

    Raises:
        UnreadableFileError: The file has no `[HRData]` rows or no readable start.
    """
    sections = _sections(source.read().decode("latin-1").splitlines())
    params = dict(
        line.split("=", 1) for line in sections.get("Params", []) if "=" in line
    )
    rows = [line.split() for line in sections.get("HRData", []) if line.strip()]
    if not rows:
        raise UnreadableFileError(f"{path.name}: nothing to import: no [HRData] rows.")
    try:
        start = datetime.strptime(
            params["Date"].strip() + params["StartTime"].strip().split(".")[0],
            "%Y%m%d%H:%M:%S",
        )
        interval = int(params.get("Interval", "1").strip())
        first_column = [float(row[0]) for row in rows]
    except (KeyError, ValueError) as exc:
        raise UnreadableFileError(
            f"{path.name}: not a readable Polar HRM file ({exc!r} in [Params]/[HRData])."
        ) from exc

    start_ms = local_to_utc_ms(start, timezone)
    session = ImportedSession(
        source_name=path.name,
        file_format="hrm",
        clock=Clock.LOCAL_ASSUMED,
        utc_offset_s=utc_offset_s(start_ms, timezone),
    )
    if interval == POLAR_RR_MODE:
        skipped = _append_rr(session, first_column, start_ms)
    else:
        skipped = _append_sampled_hr(session, first_column, start_ms, interval)
    return _finish(path, session, [assumed_zone_note(path.name, timezone)], skipped)


def _numbers(path: Path, lines: Iterable[str]) -> list[float]:
    """One value per non-empty line; NaN for a line that is not a number.

    NaN is not a beat, so it is skipped and counted like any implausible value,
    and the beat after it is marked as following a gap.
    """
    values: list[float] = []
    for line in lines:
        if len(values) >= MAX_VALUES_PER_FILE:
            raise UnreadableFileError(too_many_values(path.name))
        text = line.strip()
        if text:
            try:
                values.append(float(text))
            except ValueError:
                values.append(math.nan)
    return values


def _sections(lines: list[str]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1], [])
        else:
            current.append(stripped)
    return sections


def _append_rr(session: ImportedSession, values: list[float], start_ms: int) -> int:
    elapsed, skipped, gap = 0.0, 0, False
    for rr_ms in values:
        if not is_plausible_rr_ms(rr_ms):
            skipped += 1
            gap = bool(session.rr)
            continue
        elapsed += rr_ms
        session.rr.append(start_ms + round(elapsed), rr_ms, gap)
        gap = False
    return skipped


def _append_sampled_hr(
    session: ImportedSession, values: list[float], start_ms: int, interval_s: int
) -> int:
    skipped = 0
    for i, bpm in enumerate(values):
        if is_plausible_bpm(bpm):
            session.heart_rate.append(start_ms + i * interval_s * 1000, round(bpm))
        else:
            skipped += 1
    return skipped


def _finish(
    path: Path, session: ImportedSession, warnings: list[str], skipped: int
) -> ImportedFile:
    if not session.has_data:
        raise UnreadableFileError(f"{path.name}: nothing to import: no plausible beat.")
    if skipped:
        warnings.append(f"{path.name}: skipped {skipped} values that are not beats.")
    return ImportedFile([session], warnings)
