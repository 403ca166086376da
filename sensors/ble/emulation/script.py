"""What an emulated strap sends, and when: pure, no Bluetooth.

A strap measures beats continuously and notifies at a fixed rate (usually
1 Hz). Each notification carries the RR intervals of the beats that ended since
the previous one (none, one or several, SEN-01) and a heart rate averaged over
the last few beats. While the strap has no skin contact it reports contact lost,
heart rate 0 and no RR: the beats of that time are not measured at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sensors.ble.hrm import encode_heart_rate_measurement, rr_ms_to_raw

MAX_RR_PER_NOTIFICATION = 9
"""What fits the default 20-byte ATT payload after flags and a uint8 heart rate."""
BPM_AVERAGE_BEATS = 4


@dataclass(frozen=True, slots=True)
class Tick:
    """One notification the strap sends at `t_s` seconds after it started."""

    t_s: float
    payload: bytes
    beats: int


@dataclass(frozen=True, slots=True)
class Window:
    """A span of the emulated session, in seconds from its start."""

    start_s: float
    duration_s: float

    def contains(self, t_s: float) -> bool:
        """Whether `t_s` falls inside the window (start included, end excluded)."""
        return self.start_s <= t_s < self.start_s + self.duration_s


def heart_rate_ticks(
    rr_ms: Sequence[float],
    duration_s: float,
    rate_hz: float = 1.0,
    contact_losses: Sequence[Window] = (),
) -> Iterator[Tick]:
    """Turn a real RR series into the notifications a strap would send.

    The series is replayed from its start and wraps around when the session is
    longer than the recording.

    Args:
        rr_ms: RR intervals in milliseconds (a real recording).
        duration_s: Length of the emulated session.
        rate_hz: Notifications per second (1-4 Hz for real straps).
        contact_losses: Windows without skin contact.

    Yields:
        One `Tick` per notification, in time order.
    """
    if not rr_ms or min(rr_ms) <= 0:
        raise ValueError("An RR series needs at least one positive interval")
    beat_end_ms, index = 0.0, 0
    pending: list[int] = []
    recent: list[float] = []
    for k in range(1, int(duration_s * rate_hz) + 1):
        t_ms = k * 1000 / rate_hz
        while beat_end_ms + rr_ms[index] <= t_ms:
            beat_end_ms += rr_ms[index]
            pending.append(rr_ms_to_raw(rr_ms[index]))
            recent = [*recent[-(BPM_AVERAGE_BEATS - 1) :], rr_ms[index]]
            index = (index + 1) % len(rr_ms)
        if any(window.contains(t_ms / 1000) for window in contact_losses):
            pending.clear()
            yield Tick(t_ms / 1000, encode_heart_rate_measurement(0, contact=False), 0)
            continue
        sent, pending = (
            pending[:MAX_RR_PER_NOTIFICATION],
            pending[MAX_RR_PER_NOTIFICATION:],
        )
        bpm = round(60000 * len(recent) / sum(recent)) if recent else 0
        yield Tick(
            t_ms / 1000, encode_heart_rate_measurement(bpm, True, None, sent), len(sent)
        )
