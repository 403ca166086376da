"""Turning the many ways files write time into UTC milliseconds."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo

EARLIEST_MS = 631_152_000_000
"""1990-01-01T00:00:00Z: no heart-rate file is older (the FIT epoch is 1989-12-31)."""
FUTURE_SLACK_MS = 2 * 86_400_000
"""How far past now a sample may lie (clock skew), before it is not believed."""
MAX_UTC_OFFSET_S = 14 * 3600
"""Local time is never more than 14 hours from UTC (UTC-12 to UTC+14)."""


def latest_plausible_ms() -> int:
    """The latest instant a recorded sample can have: now, plus clock skew."""
    return int(datetime.now(UTC).timestamp() * 1000) + FUTURE_SLACK_MS


def is_plausible_ms(t_ms: int) -> bool:
    """Whether a UTC time can belong to a recording (1990 until now)."""
    return EARLIEST_MS <= t_ms <= latest_plausible_ms()


def unix_number_to_ms(number: float) -> int:
    """Unix seconds, milliseconds, microseconds or nanoseconds, told apart by size.

    Today is about 1.7e9 s, 1.7e12 ms, 1.7e15 us and 1.7e18 ns; the bands between
    those cannot be confused for any date from 1973 to 5138.
    """
    for limit, per_ms in ((1e11, 1e-3), (1e14, 1.0), (1e17, 1e3)):
        if abs(number) < limit:
            return round(number / per_ms)
    return round(number / 1e6)


class TimeParseError(ValueError):
    """A time value could not be read."""


def local_to_utc_ms(
    wall_clock: datetime, timezone: tzinfo, later_than_ms: int = 0
) -> int:
    """Convert a naive local wall-clock time to UTC milliseconds.

    When the clock falls back, one wall-clock time happens twice. The first
    occurrence is taken unless it lies before `later_than_ms` (the previous sample),
    in which case the series has already passed it and the second one is meant.

    Args:
        wall_clock: A naive datetime read in `timezone`.
        timezone: The zone the device's clock was set to.
        later_than_ms: The previous sample's UTC time, to order repeated hours.

    Returns:
        Milliseconds since the Unix epoch, UTC.
    """
    first = _to_ms(wall_clock.replace(tzinfo=timezone, fold=0))
    if first >= later_than_ms:
        return first
    return max(first, _to_ms(wall_clock.replace(tzinfo=timezone, fold=1)))


def parse_instant(
    text: str, timezone: tzinfo, later_than_ms: int = 0
) -> tuple[int, bool]:
    """Read an ISO 8601 time or a Unix timestamp.

    Args:
        text: `2024-05-12T07:00:00Z`, `2024-05-12 09:00:00+02:00`, a naive
            `2024-05-12T09:00:00`, or Unix seconds / milliseconds.
        timezone: The zone naive times are read in.
        later_than_ms: See `local_to_utc_ms`.

    Returns:
        UTC milliseconds, and whether the text was a naive local time.

    Raises:
        TimeParseError: The text is no time this function knows.
    """
    t_ms, naive = _parse(text.strip(), timezone, later_than_ms)
    if not is_plausible_ms(t_ms):
        raise TimeParseError(f"{text.strip()!r} is not a date between 1990 and today")
    return t_ms, naive


def _parse(text: str, timezone: tzinfo, later_than_ms: int) -> tuple[int, bool]:
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            raise TimeParseError(f"{text!r} is not a time")
        return unix_number_to_ms(number), False
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return local_to_utc_ms(moment, timezone, later_than_ms), True
        return _to_ms(moment), False
    except (ValueError, OverflowError, OSError) as exc:
        raise TimeParseError(
            f"{text!r} is not an ISO 8601 time or a Unix timestamp"
        ) from exc


def utc_offset_s(utc_ms: int, timezone: tzinfo) -> int | None:
    """Local time minus UTC in `timezone` at that instant (DST-aware)."""
    try:
        moment = datetime.fromtimestamp(utc_ms / 1000, UTC).astimezone(timezone)
    except (OverflowError, OSError, ValueError):
        return None
    offset = moment.utcoffset()
    return None if offset is None else int(offset / timedelta(seconds=1))


def plausible_offset_s(offset_s: int | None) -> int | None:
    """`offset_s` if a real place can have it (within +-14 h), else None."""
    if offset_s is None or abs(offset_s) > MAX_UTC_OFFSET_S:
        return None
    return offset_s


def _to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def assumed_zone_note(file_name: str, timezone: tzinfo) -> str:
    """The warning given when a file's local times were read in the configured zone."""
    return (
        f"{file_name}: its times carry no time zone; they were read as local time in "
        f"{timezone} (the zone comes from --timezone, else 'timezone' in the config "
        "file, else this machine)."
    )
