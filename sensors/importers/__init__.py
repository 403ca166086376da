"""Workout-file importers: FIT, TCX, GPX, CSV and RR text (plain lists, Polar HRM).

`read_workout` picks the importer by file suffix (`.gz` copies are opened
transparently) and imports only that importer's module, so a missing optional
parser never breaks the others.
"""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from pathlib import Path

from sensors.errors import SensorError, UnreadableFileError, UnsupportedFormatError
from sensors.records import Clock, ImportedFile

__all__ = ["SUPPORTED_SUFFIXES", "find_workout_files", "read_workout"]

_READERS = {
    ".fit": ("sensors.importers.fit", "read_fit"),
    ".tcx": ("sensors.importers.tcx", "read_tcx"),
    ".gpx": ("sensors.importers.gpx", "read_gpx"),
    ".csv": ("sensors.importers.csv", "read_csv"),
    ".txt": ("sensors.importers.rr_text", "read_rr_text"),
    ".hrm": ("sensors.importers.rr_text", "read_polar_hrm"),
}
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

    Folders are walked recursively in name order; hidden files are skipped there.
    Files named directly are yielded whatever their suffix, so that an unsupported
    one gets a clear error instead of being silently ignored.
    """
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for child in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
            if child.is_file() and not hidden and workout_suffix(child):
                yield child


def read_workout(
    path: Path, timezone: tzinfo, start_ms: int | None = None
) -> ImportedFile:
    """Read one workout file.

    Args:
        path: A FIT, TCX, GPX, CSV, RR text or Polar HRM file, optionally gzipped.
        timezone: For times the file writes without a zone.
        start_ms: Start time (UTC ms) to give sessions whose file has no clock.

    Returns:
        The file's sessions and warnings about what was skipped.

    Raises:
        UnreadableFileError: Nothing in the file is usable; the message says why.
    """
    suffix = workout_suffix(path)
    if suffix is None:
        raise UnsupportedFormatError(
            f"{path.name}: not a workout file this version reads. Supported: "
            f"{', '.join(SUPPORTED_SUFFIXES)} (also gzipped)."
        )
    module_name, function_name = _READERS[suffix]
    reader = getattr(importlib.import_module(module_name), function_name)
    try:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        with opener(path, "rb") as source:
            result: ImportedFile = reader(path, source, timezone)
    except SensorError:
        raise
    except (OSError, EOFError, UnicodeError) as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read: {exc}") from exc
    if start_ms is not None:
        _anchor_relative_sessions(result, start_ms)
    return result


def _anchor_relative_sessions(result: ImportedFile, start_ms: int) -> None:
    for session in result.sessions:
        if session.clock is not Clock.RELATIVE:
            continue
        session.heart_rate.t_ms = [t + start_ms for t in session.heart_rate.t_ms]
        session.rr.t_ms = [t + start_ms for t in session.rr.t_ms]
        session.clock = Clock.UTC
