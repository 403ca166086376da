"""Turning the many ways files write time into UTC milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

_EPOCH_MS_THRESHOLD = 10**11
"""Unix times above this are milliseconds, below it seconds (10**11 s is year 5138)."""


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
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        return (
            round(number) if number > _EPOCH_MS_THRESHOLD else round(number * 1000)
        ), False
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimeParseError(
            f"{text!r} is not an ISO 8601 time or a Unix timestamp"
        ) from exc
    if moment.tzinfo is None:
        return local_to_utc_ms(moment, timezone, later_than_ms), True
    return _to_ms(moment), False


def utc_offset_s(utc_ms: int, timezone: tzinfo) -> int | None:
    """Local time minus UTC in `timezone` at that instant (DST-aware)."""
    offset = datetime.fromtimestamp(utc_ms / 1000, UTC).astimezone(timezone).utcoffset()
    return None if offset is None else int(offset / timedelta(seconds=1))


def _to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def assumed_zone_note(file_name: str, timezone: tzinfo) -> str:
    """The warning given when a file's local times were read in the configured zone."""
    return (
        f"{file_name}: its times carry no time zone; they were read as local time in "
        f"{timezone}. Set 'timezone' in the config file (or pass --timezone) if the "
        "recording was made elsewhere."
    )
