"""CSV files: `timestamp, bpm[, rr_ms]`, header and delimiter detected.

With a header, columns are found by name (`time`, `hr`, `heart_rate`, `rr`, ...);
without one, they are taken as timestamp, bpm, rr_ms in that order. A row may hold
a heart rate, an RR interval or both; rows with neither are ignored.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from sensors.plausible import (
    MAX_VALUES_PER_FILE,
    is_plausible_bpm,
    is_plausible_rr_ms,
    too_many_values,
)
from sensors.records import Clock, ImportedFile, ImportedSession

TIME_NAMES = {
    "timestamp",
    "time",
    "datetime",
    "date_time",
    "utc",
    "time_utc",
    "timestamp_utc",
}
BPM_NAMES = {
    "bpm",
    "hr",
    "heart_rate",
    "heartrate",
    "hr_bpm",
    "heart_rate_bpm",
    "pulse",
}
RR_NAMES = {"rr_ms", "rr", "rri", "rr_interval", "rr_interval_ms", "ibi", "ibi_ms"}
DELIMITERS = ",;\t|"
SNIFF_LINES = 50
MAX_LINE_CHARS = 4096


@dataclass
class _Columns:
    time: int | None
    bpm: int | None
    rr: int | None


@dataclass
class _CsvState:
    session: ImportedSession
    bad_rows: int = 0
    implausible: int = 0
    naive: int = 0
    timed: int = 0
    last_rr_t_ms: int | None = None
    problems: list[str] = field(default_factory=list)


def read_csv(path: Path, source: IO[bytes], timezone: tzinfo) -> ImportedFile:
    """Read heart rate and RR intervals from a delimited text file.

    Args:
        path: The file's path, for names in messages.
        source: The file's bytes.
        timezone: For times written without a zone.

    Returns:
        One session, and warnings about skipped rows.

    Raises:
        UnreadableFileError: No row holds a usable heart rate or RR interval.
    """
    # Streamed row by row: a long recording never sits in memory as text.
    with io.TextIOWrapper(
        source, encoding="utf-8-sig", errors="replace", newline=""
    ) as text:
        lines = _lines(path, text)
        sample = "".join(itertools.islice(lines, SNIFF_LINES))
        all_lines = itertools.chain(io.StringIO(sample, newline=""), lines)
        reader = csv.reader(all_lines, _sniff_dialect(sample))
        rows = (row for row in reader if _has_content(row))
        first = next(rows, None)
        if first is None:
            raise UnreadableFileError(
                f"{path.name}: nothing to import: the file is empty."
            )
        columns, is_header = _find_columns(path, first)
        session = ImportedSession(
            source_name=path.name, file_format="csv", clock=Clock.UTC
        )
        state = _CsvState(session)
        body = rows if is_header else itertools.chain([first], rows)
        for count, row in enumerate(body, start=1):
            if count > MAX_VALUES_PER_FILE:
                raise UnreadableFileError(too_many_values(path.name))
            _take_row(row, columns, state, timezone)
    return _result(path, state, timezone)


def _lines(path: Path, text: IO[str]) -> Iterator[str]:
    """The file's lines; a line too long to be a row of readings ends the import."""
    while line := text.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableFileError(
                f"{path.name}: a line is longer than {MAX_LINE_CHARS} characters, so "
                "this is not a CSV of readings; not imported."
            )
        yield line


def _has_content(row: list[str]) -> bool:
    return any(cell.strip() for cell in row)


def _sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel  # a single column has no delimiter to find


def _find_columns(path: Path, first: list[str]) -> tuple[_Columns, bool]:
    """The columns, and whether `first` is a header (else it is data)."""
    header = [cell.strip().lower().replace(" ", "_") for cell in first]
    if not _looks_like_header(header):
        width = len(first)
        return _Columns(0, 1 if width > 1 else None, 2 if width > 2 else None), False
    columns = _Columns(
        time=_index_of(header, TIME_NAMES),
        bpm=_index_of(header, BPM_NAMES),
        rr=_index_of(header, RR_NAMES),
    )
    if columns.bpm is None and columns.rr is None:
        raise UnreadableFileError(
            f"{path.name}: nothing to import: no heart-rate or RR column among "
            f"{', '.join(first)}. Name them 'bpm' and 'rr_ms' (and the time "
            "column 'timestamp')."
        )
    return columns, True


def _looks_like_header(cells: list[str]) -> bool:
    known = TIME_NAMES | BPM_NAMES | RR_NAMES
    return any(cell in known for cell in cells)


def _index_of(header: list[str], names: set[str]) -> int | None:
    return next((i for i, cell in enumerate(header) if cell in names), None)


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _take_row(
    row: list[str], columns: _Columns, state: _CsvState, timezone: tzinfo
) -> None:
    bpm_text, rr_text = _cell(row, columns.bpm), _cell(row, columns.rr)
    if not bpm_text and not rr_text:
        return
    hr = state.session.heart_rate
    try:
        t_ms = _row_time(row, columns, state, timezone, hr.t_ms[-1] if hr else 0)
        bpm = round(_finite(bpm_text)) if bpm_text else None
        rr_values = [_finite(v) for v in rr_text.replace(";", " ").split()]
    except (TimeParseError, ValueError):
        state.bad_rows += 1
        return
    if bpm is not None and t_ms is not None:
        if is_plausible_bpm(bpm):
            hr.append(t_ms, bpm)
        elif bpm != 0 or not rr_values:
            state.implausible += 1
    for rr_ms in rr_values:
        _take_rr(rr_ms, t_ms, state)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a number")
    return value


def _row_time(
    row: list[str], columns: _Columns, state: _CsvState, timezone: tzinfo, previous: int
) -> int | None:
    text = _cell(row, columns.time)
    if not text:
        return None
    t_ms, naive = parse_instant(text, timezone, previous)
    state.naive += naive
    state.timed += 1
    return t_ms


def _take_rr(rr_ms: float, row_t_ms: int | None, state: _CsvState) -> None:
    rr = state.session.rr
    if not is_plausible_rr_ms(rr_ms):
        state.implausible += 1
        state.last_rr_t_ms = None  # the next beat does not follow the last good one
        return
    # Without a time column, beats are placed one after another.
    t_ms = (
        row_t_ms if row_t_ms is not None else (rr.t_ms[-1] if rr else 0) + round(rr_ms)
    )
    # A jump in the rows' times much longer than the beat means beats are missing.
    after_gap = bool(rr) and (
        state.last_rr_t_ms is None or t_ms - state.last_rr_t_ms > max(2000, 2 * rr_ms)
    )
    rr.append(t_ms, rr_ms, after_gap)
    state.last_rr_t_ms = t_ms


def _result(path: Path, state: _CsvState, timezone: tzinfo) -> ImportedFile:
    session = state.session
    if not session.has_data:
        raise UnreadableFileError(
            f"{path.name}: nothing to import: no row has a readable time with a heart "
            "rate, or an RR interval. Expected columns: timestamp, bpm, rr_ms."
        )
    warnings = []
    if state.bad_rows:
        warnings.append(
            f"{path.name}: skipped {state.bad_rows} rows that could not be read."
        )
    if state.implausible:
        warnings.append(
            f"{path.name}: skipped {state.implausible} values that are not heart rates "
            "(outside 25-250 bpm) or beats (outside 200-3000 ms)."
        )
    if not state.timed:
        session.clock = Clock.RELATIVE
    elif state.naive:
        session.clock = Clock.LOCAL_ASSUMED
        warnings.append(assumed_zone_note(path.name, timezone))
    if session.clock is not Clock.RELATIVE:
        start = session.heart_rate.t_ms[0] if session.heart_rate else session.rr.t_ms[0]
        session.utc_offset_s = utc_offset_s(start, timezone)
    return ImportedFile([session], warnings)
