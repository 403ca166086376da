"""Importing workout files into the store, a file at a time.

Each file is read completely before anything is written, then written in one
transaction. A file that fails never stops the batch; it is reported with the
reason, and the batch's outcome says that something failed.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError

from fitlearn.errors import StoreError
from fitlearn.store import ImportRecord, Store
from sensors.errors import SensorError
from sensors.importers import (
    check_workout_file,
    find_workout_files,
    read_workout,
    utc_offset_s,
)
from sensors.records import ImportedFile

logger = logging.getLogger(__name__)

HASH_BLOCK_BYTES = 1 << 20


class Outcome(enum.StrEnum):
    """What happened to one file."""

    IMPORTED = "imported"
    DATED = "dated"
    """Imported earlier without a date; --start has now dated it."""
    ALREADY_IMPORTED = "already imported"
    FAILED = "failed"


@dataclass
class FileResult:
    """The outcome of importing one file."""

    path: Path
    outcome: Outcome
    session_ids: list[int] = field(default_factory=list)
    samples: int = 0
    rr_intervals: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class BatchResult:
    """The outcome of a whole import."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        """The files that could not be imported."""
        return [f for f in self.files if f.outcome is Outcome.FAILED]

    def count(self, outcome: Outcome) -> int:
        """How many files ended with `outcome`."""
        return sum(f.outcome is outcome for f in self.files)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """The files an import of `paths` will read (folders walked recursively)."""
    return list(find_workout_files(paths))


def import_files(
    store: Store,
    files: Iterable[Path],
    timezone: tzinfo,
    *,
    start_ms: int | None = None,
    on_file_done: Callable[[FileResult], None] | None = None,
) -> BatchResult:
    """Import each file into `store`, one transaction per file.

    Args:
        store: Where to write.
        files: Files to import (see `collect_files` for folders).
        timezone: For times that files write without a zone.
        start_ms: A start (UTC ms) for files that carry no date at all.
        on_file_done: Called after each file, for progress displays.

    Returns:
        One result per file, in order.
    """
    batch = BatchResult()
    for path in files:
        result = import_file(store, path, timezone, start_ms=start_ms)
        batch.files.append(result)
        if on_file_done is not None:
            on_file_done(result)
    return batch


def import_file(
    store: Store, path: Path, timezone: tzinfo, *, start_ms: int | None = None
) -> FileResult:
    """Import one file; never raises for a bad file, reports it instead.

    Raises:
        StoreError: The database cannot be written (read-only, damaged, full);
            no later file could be stored either, so the batch stops.
    """
    try:
        check_workout_file(path)
        sha256, size = _fingerprint(path)
    except SensorError as exc:
        return FileResult(path, Outcome.FAILED, error=str(exc))
    except OSError as exc:
        return FileResult(
            path, Outcome.FAILED, error=f"{path.name}: cannot be read: {exc}"
        )
    earlier = store.find_import(sha256)
    if earlier is not None:
        return _already_imported(store, path, earlier.id, timezone, start_ms)

    parsed = _read(path, timezone, start_ms)
    if isinstance(parsed, FileResult):
        return parsed
    for session in parsed.sessions:
        session.source_name = storable(session.source_name)
    record = ImportRecord(
        sha256=sha256,
        file_name=storable(path.name),
        path=storable(str(path.resolve())),
        file_format=parsed.sessions[0].file_format,
        size_bytes=size,
        warnings=parsed.warnings,
    )
    try:
        session_ids = store.add_imported_file(record, parsed.sessions)
    except IntegrityError:
        # Another importer stored the same file a moment ago.
        if store.find_import(sha256) is not None:
            return FileResult(path, Outcome.ALREADY_IMPORTED)
        raise
    except DBAPIError as exc:
        raise StoreError(
            f"Cannot write to the database {store.path}: {exc.orig}. Nothing of "
            f"{path.name} was stored. Check that the file and its folder are "
            "writable and the disk has room; a damaged database can be restored "
            "from its .bak copy."
        ) from exc
    return FileResult(
        path,
        Outcome.IMPORTED,
        session_ids=session_ids,
        samples=sum(len(s.heart_rate) for s in parsed.sessions),
        rr_intervals=sum(len(s.rr) for s in parsed.sessions),
        warnings=parsed.warnings,
    )


def _already_imported(
    store: Store, path: Path, import_id: int, timezone: tzinfo, start_ms: int | None
) -> FileResult:
    """A file seen before; with a start time, its undated sessions get their date."""
    if start_ms is None:
        return FileResult(path, Outcome.ALREADY_IMPORTED)
    dated = store.date_undated_sessions(
        import_id, start_ms, utc_offset_s(start_ms, timezone)
    )
    if not dated:
        return FileResult(path, Outcome.ALREADY_IMPORTED)
    return FileResult(path, Outcome.DATED, session_ids=dated)


def storable(text: str) -> str:
    """`text` as valid UTF-8, so SQLite can store it.

    A file name with a byte that is not UTF-8 reaches Python as a surrogate; it
    becomes U+FFFD here.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _fingerprint(path: Path) -> tuple[str, int]:
    """SHA-256 and size, read in blocks so a large file is never held whole."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK_BYTES):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _read(
    path: Path, timezone: tzinfo, start_ms: int | None
) -> ImportedFile | FileResult:
    try:
        return read_workout(path, timezone, start_ms)
    except SensorError as exc:
        return FileResult(path, Outcome.FAILED, error=str(exc))
    except Exception as exc:  # a parser bug on an odd file must not stop the batch
        logger.debug("Unexpected failure reading %s", path, exc_info=True)
        return FileResult(
            path,
            Outcome.FAILED,
            error=f"{path.name}: could not be read ({type(exc).__name__}: {exc}). "
            "This is a fitlearn bug; please report it with the file if you can share it.",
        )
