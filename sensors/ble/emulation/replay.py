"""Play a scripted session on an emulated strap, optionally faster than real time.

Outages (the strap leaves range: link dropped, advertising stopped) and battery
changes are scheduled on the same timeline as the notifications. With
`speed=60`, one emulated minute takes one second; a recorder that uses a clock
of the same speed sees the session's own timing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sensors.ble.emulation.script import Tick, Window
from sensors.ble.emulation.strap import EmulatedStrap

logger = logging.getLogger(__name__)

SUBSCRIBE_POLL_S = 0.001


@dataclass(frozen=True, slots=True)
class BatteryChange:
    """The battery level changes to `percent` at `at_s`."""

    at_s: float
    percent: int


@dataclass
class OutageReport:
    """One forced disconnect as the strap saw it, in emulated seconds."""

    down_at_s: float
    back_at_s: float
    resubscribed_at_s: float | None = None
    """When the central had notifications enabled again (None: it never did)."""

    @property
    def reconnect_latency_s(self) -> float | None:
        """Seconds from advertising again to the central subscribed again."""
        if self.resubscribed_at_s is None:
            return None
        return self.resubscribed_at_s - self.back_at_s


@dataclass
class ReplayReport:
    """What happened during a replay."""

    ticks: int = 0
    outages: list[OutageReport] = field(default_factory=list)


async def replay(
    strap: EmulatedStrap,
    ticks: Sequence[Tick],
    *,
    outages: Sequence[Window] = (),
    battery_changes: Sequence[BatteryChange] = (),
    speed: float = 1.0,
    stop: asyncio.Event | None = None,
) -> ReplayReport:
    """Send `ticks` on schedule, dropping the link during `outages`.

    Args:
        strap: A started strap.
        ticks: The notifications, in time order (see `heart_rate_ticks`).
        outages: Windows during which the strap is out of range.
        battery_changes: Battery level changes.
        speed: Emulated seconds per real second.
        stop: Ends the replay early when set.

    Returns:
        Counts and outage timings (the strap's `counters` hold the beats).
    """
    loop = asyncio.get_running_loop()
    anchor = loop.time()
    report = ReplayReport()
    watchers: list[asyncio.Task[None]] = []

    def emulated_now() -> float:
        return (loop.time() - anchor) * speed

    events = _timeline(ticks, outages, battery_changes)
    for at_s, kind, value in events:
        if stop is not None and stop.is_set():
            break
        await asyncio.sleep(max(0.0, anchor + at_s / speed - loop.time()))
        if kind == "tick":
            assert isinstance(value, Tick)
            await strap.notify_heart_rate(value.payload)
            report.ticks += 1
        elif kind == "down":
            await strap.drop_link()
            report.outages.append(OutageReport(at_s, at_s))
        elif kind == "up":
            await strap.advertise()
            outage = report.outages[-1]
            outage.back_at_s = at_s
            watchers.append(
                asyncio.create_task(_watch_resubscribe(strap, outage, emulated_now))
            )
        else:
            assert isinstance(value, int)
            await strap.set_battery(value)
    for watcher in watchers:
        watcher.cancel()
    return report


def _timeline(
    ticks: Sequence[Tick], outages: Sequence[Window], battery: Sequence[BatteryChange]
) -> list[tuple[float, str, object]]:
    # Sort order at equal times: the link changes before the tick sent at that time.
    order = {"down": 0, "up": 1, "battery": 2, "tick": 3}
    events: list[tuple[float, str, object]] = [(t.t_s, "tick", t) for t in ticks]
    for window in outages:
        events.append((window.start_s, "down", None))
        events.append((window.start_s + window.duration_s, "up", None))
    events.extend((change.at_s, "battery", change.percent) for change in battery)
    return sorted(events, key=lambda event: (event[0], order[event[1]]))


async def _watch_resubscribe(
    strap: EmulatedStrap, outage: OutageReport, emulated_now: Callable[[], float]
) -> None:
    while not strap.heart_rate_subscribed:
        await asyncio.sleep(SUBSCRIBE_POLL_S)
    outage.resubscribed_at_s = emulated_now()
    logger.info(
        "Central resubscribed %.1f s after the strap came back",
        outage.reconnect_latency_s,
    )
