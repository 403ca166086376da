"""GPX files: heart rate from track-point extensions, one session per track.

Garmin's TrackPointExtension (v1 and v2) writes `<gpxtpx:hr>`; others write
`<ns3:hr>`, `<gpxdata:hr>` or `<heartrate>`. Any extension element with one of
those local names counts, whatever its namespace. Positions are never read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import tzinfo
from pathlib import Path
from typing import IO

from sensors.errors import UnreadableFileError
from sensors.importers._time import (
    TimeParseError,
    assumed_zone_note,
    parse_instant,
    utc_offset_s,
)
from sensors.importers._xml import (
    child_text,
    find_descendant_text,
    iter_elements,
    local_name,
)
from sensors.plausible import is_plausible_bpm
from sensors.records import Clock, ImportedFile, ImportedSession

HR_ELEMENT_NAMES = {"hr", "heartrate", "heart_rate", "HeartRate"}


def read_gpx(path: Path, source: IO[bytes], timezone: tzinfo) -> ImportedFile:
    """Read heart rate from every timed `trkpt` of every `trk`.

    Args:
        path: The file's path, for names in messages.
        source: The file's bytes.
        timezone: For times written without a zone.

    Returns:
        A session per track with heart rate, and warnings.

    Raises:
        UnreadableFileError: No track point carries a heart rate.
    """
    sessions: list[ImportedSession] = []
    damage: list[str] = []
    current = _new_session(path)
    skipped = naive = 0
    for element in iter_elements(source, {"trkpt", "trk"}, damage.append):
        if local_name(element.tag) == "trk":
            _close(current, sessions, timezone, naive > 0)
            current, naive = _new_session(path), 0
            continue
        outcome = _take_point(element, current, timezone)
        skipped += outcome == "skipped"
        naive += outcome == "naive"
    _close(current, sessions, timezone, naive > 0)
    return _result(path, sessions, damage, skipped, timezone)


def _new_session(path: Path) -> ImportedSession:
    return ImportedSession(source_name=path.name, file_format="gpx", clock=Clock.UTC)


def _take_point(point: ET.Element, session: ImportedSession, timezone: tzinfo) -> str:
    time_text = child_text(point, "time")
    bpm_text = find_descendant_text(point, HR_ELEMENT_NAMES)
    if time_text is None or bpm_text is None:
        return "empty"
    series = session.heart_rate
    try:
        t_ms, was_naive = parse_instant(
            time_text, timezone, series.t_ms[-1] if series else 0
        )
        bpm = int(float(bpm_text))
    except (TimeParseError, ValueError):
        return "skipped"
    if not is_plausible_bpm(bpm):
        return "skipped"
    series.append(t_ms, bpm)
    return "naive" if was_naive else "ok"


def _close(
    session: ImportedSession,
    sessions: list[ImportedSession],
    timezone: tzinfo,
    naive: bool,
) -> None:
    if not session.heart_rate:
        return
    session.clock = Clock.LOCAL_ASSUMED if naive else Clock.UTC
    session.utc_offset_s = utc_offset_s(session.heart_rate.t_ms[0], timezone)
    sessions.append(session)


def _result(
    path: Path,
    sessions: list[ImportedSession],
    damage: list[str],
    skipped: int,
    timezone: tzinfo,
) -> ImportedFile:
    if not sessions:
        why = damage[0] if damage else "no track point has a heart-rate extension"
        raise UnreadableFileError(f"{path.name}: nothing to import: {why}.")
    warnings = []
    if damage:
        kept = sum(len(s.heart_rate) for s in sessions)
        warnings.append(f"{path.name}: {damage[0]}; kept the {kept} samples before it.")
    if skipped:
        warnings.append(
            f"{path.name}: skipped {skipped} track points with an unreadable time or a "
            "heart rate outside 25-250 bpm."
        )
    if any(s.clock is Clock.LOCAL_ASSUMED for s in sessions):
        warnings.append(assumed_zone_note(path.name, timezone))
    return ImportedFile(sessions, warnings)
