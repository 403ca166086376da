"""TCX files (Garmin Training Center XML): one session per `Activity`."""

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
from sensors.importers._xml import child_text, iter_elements, local_name
from sensors.plausible import is_plausible_bpm
from sensors.records import Clock, ImportedFile, ImportedSession


def read_tcx(path: Path, source: IO[bytes], timezone: tzinfo) -> ImportedFile:
    """Read heart rate from every `Trackpoint` of every `Activity`.

    Args:
        path: The file's path, for names in messages.
        source: The file's bytes.
        timezone: For times written without a zone.

    Returns:
        A session per activity with heart rate, and warnings.

    Raises:
        UnreadableFileError: No trackpoint carries a heart rate.
    """
    reader = _TcxReader(path, timezone)
    for element in iter_elements(
        source, {"Trackpoint", "Activity"}, reader.note_damage
    ):
        if local_name(element.tag) == "Trackpoint":
            reader.take_trackpoint(element)
        else:
            reader.finish_activity(element.get("Sport"))
    reader.finish_activity(None)
    return reader.result()


class _TcxReader:
    def __init__(self, path: Path, timezone: tzinfo) -> None:
        self.path = path
        self.timezone = timezone
        self.sessions: list[ImportedSession] = []
        self.warnings: list[str] = []
        self.current = self._new_session()
        self.damage: str | None = None
        self.skipped_bpm = 0
        self.bad_times = 0
        self.naive_times = 0

    def _new_session(self) -> ImportedSession:
        return ImportedSession(
            source_name=self.path.name, file_format="tcx", clock=Clock.UTC
        )

    def note_damage(self, why: str) -> None:
        self.damage = why

    def take_trackpoint(self, point: ET.Element) -> None:
        time_text = child_text(point, "Time")
        bpm_text = child_text(point, "HeartRateBpm", "Value")
        if time_text is None or bpm_text is None:
            return  # a point without time or heart rate carries nothing for us
        series = self.current.heart_rate
        try:
            t_ms, naive = parse_instant(
                time_text, self.timezone, series.t_ms[-1] if series else 0
            )
            bpm = int(float(bpm_text))
        except (TimeParseError, ValueError):
            self.bad_times += 1
            return
        self.naive_times += naive
        if is_plausible_bpm(bpm):
            series.append(t_ms, bpm)
        else:
            self.skipped_bpm += 1

    def finish_activity(self, sport: str | None) -> None:
        session = self.current
        if session.heart_rate:
            session.sport = sport
            session.clock = Clock.LOCAL_ASSUMED if self.naive_times else Clock.UTC
            session.utc_offset_s = utc_offset_s(
                session.heart_rate.t_ms[0], self.timezone
            )
            self.sessions.append(session)
        self.current = self._new_session()
        self.naive_times = 0

    def result(self) -> ImportedFile:
        name = self.path.name
        if not self.sessions:
            why = self.damage or "no trackpoint has a heart rate (HeartRateBpm)"
            raise UnreadableFileError(f"{name}: nothing to import: {why}.")
        if self.damage:
            kept = sum(len(s.heart_rate) for s in self.sessions)
            self.warnings.append(
                f"{name}: {self.damage}; kept the {kept} heart-rate samples before it."
            )
        if self.skipped_bpm:
            self.warnings.append(
                f"{name}: skipped {self.skipped_bpm} heart-rate values outside 25-250 bpm."
            )
        if any(s.clock is Clock.LOCAL_ASSUMED for s in self.sessions):
            self.warnings.append(assumed_zone_note(name, self.timezone))
        if self.bad_times:
            self.warnings.append(
                f"{name}: skipped {self.bad_times} trackpoints with an unreadable time or "
                "heart rate."
            )
        return ImportedFile(self.sessions, self.warnings)
