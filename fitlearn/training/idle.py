"""Is the machine idle? The share of CPU that *other* programs use.

The 1-minute load average would count our own training against us, so the
meter subtracts this process's CPU time from the system's busy time. It needs
two samples a little apart; until then, idleness is not measurable (None) and
the gate does not hold training back on its account.

Limitation: keyboard and mouse activity is not seen; a person reading a page
while the machine computes nothing counts as idle.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable

import psutil

WINDOW_S = 60.0
MIN_SPAN_S = 1.0


def cpu_count() -> int:
    """Logical CPUs available to this process (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class IdleMeter:
    """Other programs' share of all CPUs over the last `window_s` seconds.

    Args:
        window_s: How far back samples count.
        clock: Monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_s = window_s
        self.clock = clock
        self._samples: deque[tuple[float, float, float]] = deque()
        self._process = psutil.Process()

    def sample(self) -> None:
        """Take one reading of system and own CPU time; call about once a second."""
        try:
            system = psutil.cpu_times()
            own = self._process.cpu_times()
        except (OSError, psutil.Error):
            return
        idle = system.idle + getattr(system, "iowait", 0.0)
        busy = sum(system) - idle
        now = self.clock()
        self._samples.append((now, busy, own.user + own.system))
        while self._samples and now - self._samples[0][0] > self.window_s:
            self._samples.popleft()

    def others_busy_fraction(self) -> float | None:
        """0 (idle) to 1 (every CPU busy with others), or None until measurable."""
        if len(self._samples) < 2:
            return None
        (t0, busy0, own0), (t1, busy1, own1) = self._samples[0], self._samples[-1]
        span = t1 - t0
        if span < MIN_SPAN_S:
            return None
        others = max(0.0, (busy1 - busy0) - (own1 - own0))
        return min(1.0, others / (span * cpu_count()))
