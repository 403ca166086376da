"""Plain records that importers and sensors hand to the core.

Times are integer milliseconds since the Unix epoch, UTC, except in sessions whose
`clock` is `Clock.RELATIVE`: there they count from the session's first sample.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Clock(enum.StrEnum):
    """How trustworthy a session's timestamps are."""

    UTC = "utc"
    """The file gave real instants (UTC or with an offset)."""
    LOCAL_ASSUMED = "local_assumed"
    """The file gave local wall-clock times; the configured time zone made them UTC."""
    RELATIVE = "relative"
    """No calendar date at all: times count from the first sample."""


@dataclass(slots=True)
class DeviceInfo:
    """What a file or a sensor says about the device that recorded it."""

    manufacturer: str | None = None
    product: str | None = None
    serial: str | None = None


@dataclass(slots=True)
class HeartRateSeries:
    """Heart-rate samples in time order, as three parallel columns.

    Only real readings are kept: sentinel "invalid" values and zeros never appear.
    """

    t_ms: list[int] = field(default_factory=list)
    bpm: list[int] = field(default_factory=list)
    contact: list[bool | None] = field(default_factory=list)

    def append(self, t_ms: int, bpm: int, contact: bool | None = None) -> None:
        """Add one sample."""
        self.t_ms.append(t_ms)
        self.bpm.append(bpm)
        self.contact.append(contact)

    def __len__(self) -> int:
        return len(self.t_ms)


@dataclass(slots=True)
class RRSeries:
    """Beat-to-beat (RR) intervals in the order the beats happened.

    `after_gap[i]` is true when beat `i` does not directly follow beat `i - 1`
    (a lost connection, a pause): the difference between the two is not a real
    beat-to-beat change and HRV must not use it.
    """

    t_ms: list[int] = field(default_factory=list)
    rr_ms: list[float] = field(default_factory=list)
    after_gap: list[bool] = field(default_factory=list)

    def append(self, t_ms: int, rr_ms: float, after_gap: bool = False) -> None:
        """Add one interval."""
        self.t_ms.append(t_ms)
        self.rr_ms.append(rr_ms)
        self.after_gap.append(after_gap)

    def __len__(self) -> int:
        return len(self.t_ms)


@dataclass(slots=True)
class ImportedSession:
    """One workout read from a file, ready to be stored."""

    source_name: str
    file_format: str
    clock: Clock
    sport: str | None = None
    utc_offset_s: int | None = None
    """Local time minus UTC at the workout's start, when known."""
    device: DeviceInfo = field(default_factory=DeviceInfo)
    heart_rate: HeartRateSeries = field(default_factory=HeartRateSeries)
    rr: RRSeries = field(default_factory=RRSeries)

    @property
    def has_data(self) -> bool:
        """Whether the session holds any heart rate or RR interval."""
        return bool(self.heart_rate) or bool(self.rr)


@dataclass(slots=True)
class ImportedFile:
    """Everything read from one file: its sessions and what was skipped."""

    sessions: list[ImportedSession]
    warnings: list[str] = field(default_factory=list)
