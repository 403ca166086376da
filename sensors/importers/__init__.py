"""Workout-file importers: FIT, TCX, GPX, CSV and RR text (plain lists, Polar HRM).

`read_workout` picks the importer by file suffix (`.gz` copies are opened
transparently) and imports only that importer's module, so a missing optional
parser never breaks the others.
"""

from __future__ import annotations

import gzip
import importlib
import io
import os
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from itertools import compress
from pathlib import Path
from typing import IO, Any

from sensors.errors import SensorError, UnreadableFileError, UnsupportedFormatError
from sensors.importers._time import (
    EARLIEST_MS,
    latest_plausible_ms,
    plausible_offset_s,
    utc_offset_s,
)
from sensors.records import Clock, ImportedFile, ImportedSession

__all__ = [
    "SUPPORTED_SUFFIXES",
    "check_workout_file",
    "find_workout_files",
    "read_workout",
    "utc_offset_s",
    "workout_suffix",
]

_READERS = {
    ".fit": ("sensors.importers.fit", "read_fit"),
    ".tcx": ("sensors.importers.tcx", "read_tcx"),
    ".gpx": ("sensors.importers.gpx", "read_gpx"),
    ".csv": ("sensors.importers.csv", "read_csv"),
    ".txt": ("sensors.importers.rr_text", "read_rr_text"),
    ".hrm": ("sensors.importers.rr_text", "read_polar_hrm"),
}
MAX_FILE_BYTES = 512 * 2**20
"""No workout file is this large (a year of 1 Hz CSV is about 40 MB); larger input
is refused before it is read, so a wrong path cannot exhaust a Pi's memory."""
SUPPORTED_SUFFIXES = tuple(_READERS)
"""File suffixes the importers read, each also accepted with `.gz` appended."""


def workout_suffix(path: Path) -> str | None:
    """The importer suffix of `path` (`.fit` for `ride.FIT.gz`), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes and suffixes[-1] in _READERS else None


def find_workout_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the given files, and every workout file below the given folders.

    Folders are walked recursively in name order; hidden files and folders are
    skipped there. Files named directly are yielded whatever their suffix, and so
    is a folder that cannot be listed, so that each gets a clear error instead of
    being silently passed over.
    """
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(top: Path) -> Iterator[Path]:
    unreadable: list[Path] = []
    for folder, subfolders, files in os.walk(
        top, onerror=lambda error: unreadable.append(Path(error.filename))
    ):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            child = Path(folder) / name
            if not name.startswith(".") and workout_suffix(child) and child.is_file():
                yield child
    yield from unreadable


def read_workout(
    path: Path, timezone: tzinfo, start_ms: int | None = None
) -> ImportedFile:
    """Read one workout file.

    Every importer's result is checked the same way here: samples dated outside
    1990..today are dropped with a warning, local offsets must be ones a real
    place has, and a file without a calendar date is either dated with
    `start_ms` or marked undated.

    Args:
        path: A FIT, TCX, GPX, CSV, RR text or Polar HRM file, optionally gzipped.
        timezone: For times the file writes without a zone.
        start_ms: Start time (UTC ms) to give sessions whose file has no clock.

    Returns:
        The file's sessions and warnings about what was skipped.

    Raises:
        UnreadableFileError: Nothing in the file is usable; the message says why.
    """
    reader = _reader_for(path)
    try:
        with _open(path) as source:
            result: ImportedFile = reader(path, source, timezone)
    except SensorError:
        raise
    except (OSError, EOFError, UnicodeError) as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read: {exc}") from exc
    _check_dates(path, result, timezone, start_ms)
    return result


def check_workout_file(path: Path) -> None:
    """Refuse, before reading a byte, what cannot be a workout file.

    Raises:
        UnreadableFileError: Unknown suffix, not a regular file, or too large.
    """
    _reader_for(path)


def _reader_for(path: Path) -> Any:
    suffix = workout_suffix(path)
    if suffix is None:
        raise UnsupportedFormatError(
            f"{path.name}: not a workout file this version reads. Supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)} (also gzipped)."
        )
    if not path.is_file():
        raise UnreadableFileError(f"{path.name}: not a regular file, so not imported.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UnreadableFileError(
            f"{path.name}: {path.stat().st_size / 2**20:.0f} MB is larger than any "
            f"workout file ({MAX_FILE_BYTES // 2**20} MB at most); not imported."
        )
    module_name, function_name = _READERS[suffix]
    return getattr(importlib.import_module(module_name), function_name)


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() != ".gz":
        return path.open("rb")
    limited = _LimitedReader(gzip.GzipFile(path, "rb"), path.name)
    return io.BufferedReader(limited)


class _LimitedReader(io.RawIOBase):
    """A decompressed stream that refuses to grow past `MAX_FILE_BYTES` (zip bombs)."""

    def __init__(self, inner: io.BufferedIOBase, name: str) -> None:
        self._inner = inner
        self._name = name
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._read += len(data)
        if self._read > MAX_FILE_BYTES:
            raise UnreadableFileError(
                f"{self._name}: unpacks to more than {MAX_FILE_BYTES // 2**20} MB, "
                "more than any workout file; not imported."
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def _check_dates(
    path: Path, result: ImportedFile, timezone: tzinfo, start_ms: int | None
) -> None:
    undated = False
    for session in result.sessions:
        if session.clock is Clock.RELATIVE and start_ms is not None:
            _shift(session, start_ms)
            session.clock = Clock.UTC
            session.utc_offset_s = utc_offset_s(start_ms, timezone)
        if session.clock is Clock.RELATIVE:
            undated = True
            continue
        dropped = _drop_implausible(session)
        if dropped:
            result.warnings.append(
                f"{path.name}: skipped {dropped} values dated outside 1990 to today "
                "(a device clock that was not set?)."
            )
        session.utc_offset_s = plausible_offset_s(session.utc_offset_s)
    result.sessions = [s for s in result.sessions if s.has_data]
    if not result.sessions:
        raise UnreadableFileError(
            f"{path.name}: nothing to import: every value is dated outside 1990 to "
            "today. Check the device's clock, or pass --start to date the recording."
        )
    if undated:
        result.warnings.append(
            f"{path.name}: the file has no calendar date; the session is stored with "
            "relative times and left out of daily training load. Import it with "
            "--start to date it."
        )


def _shift(session: ImportedSession, start_ms: int) -> None:
    session.heart_rate.t_ms = [t + start_ms for t in session.heart_rate.t_ms]
    session.rr.t_ms = [t + start_ms for t in session.rr.t_ms]


def _drop_implausible(session: ImportedSession) -> int:
    latest = latest_plausible_ms()
    hr, rr = session.heart_rate, session.rr
    keep_hr = [EARLIEST_MS <= t <= latest for t in hr.t_ms]
    keep_rr = [EARLIEST_MS <= t <= latest for t in rr.t_ms]
    dropped = keep_hr.count(False) + keep_rr.count(False)
    if dropped:
        hr.t_ms = list(compress(hr.t_ms, keep_hr))
        hr.bpm = list(compress(hr.bpm, keep_hr))
        hr.contact = list(compress(hr.contact, keep_hr))
        rr.t_ms = list(compress(rr.t_ms, keep_rr))
        rr.rr_ms = list(compress(rr.rr_ms, keep_rr))
        rr.after_gap = list(compress(rr.after_gap, keep_rr))
    return dropped
