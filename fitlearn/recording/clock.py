"""Clocks for the recorder: the real one, and a faster one for emulated sessions.

The recorder takes every timestamp and every wait (batch interval, reconnect
backoff) from its clock. With `AcceleratedClock(speed=60)` a two-hour emulated
session runs in two minutes and its stored times still read as two hours.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class RecorderClock(Protocol):
    """Where the recorder gets the time and waits."""

    def now_ms(self) -> int:
        """The current time, UTC milliseconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """Real time."""

    def now_ms(self) -> int:
        """The current time, UTC milliseconds."""
        return time.time_ns() // 1_000_000

    async def sleep(self, seconds: float) -> None:
        """Wait in real time."""
        await asyncio.sleep(seconds)


class AcceleratedClock:
    """Time that runs `speed` times faster than real time, from `start_ms`.

    Args:
        speed: Emulated seconds per real second (1 = real time).
        start_ms: The emulated time now; defaults to the real current time.
    """

    def __init__(self, speed: float, start_ms: int | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start_ms = SystemClock().now_ms() if start_ms is None else start_ms
        self._anchor = time.monotonic()
        self._last_ms = self._start_ms - 1

    def now_ms(self) -> int:
        """The emulated time, UTC milliseconds; each reading is later than the last.

        At high speed two readings a few microseconds apart would otherwise fall
        on the same emulated millisecond, which real time would have separated.
        """
        elapsed_ms = round((time.monotonic() - self._anchor) * self.speed * 1000)
        self._last_ms = max(self._start_ms + elapsed_ms, self._last_ms + 1)
        return self._last_ms

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of emulated time."""
        await asyncio.sleep(seconds / self.speed)
