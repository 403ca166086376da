"""Wiring for live recording: pick a backend, run the recorder, stop on signals.

Used by `fitlearn record`, the benchmark and the dashboard demo. Emulated runs
put a strap on bumble's virtual controllers and replay a real RR series through
it, so the whole path (GATT, decoding, batching, store) runs without hardware.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from fitlearn.recording import (
    AcceleratedClock,
    LiveFeed,
    Recorder,
    RecorderOptions,
    RecordingError,
    RecordingReport,
)
from fitlearn.store import Store
from sensors.ble.backends import backend_module
from sensors.ble.link import BleBackend
from sensors.errors import SensorError
from sensors.importers import read_workout

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmulationPlan:
    """An emulated session: which RR series, how long, how fast, which dropouts.

    Attributes:
        rr_ms: The RR series to replay (wraps around when shorter than the session).
        duration_s: Emulated session length.
        rate_hz: Notifications per second.
        speed: Emulated seconds per real second.
        outages: (start_s, duration_s) times the strap is out of range.
        contact_losses: (start_s, duration_s) times without skin contact.
        battery_changes: (at_s, percent) battery changes.
    """

    rr_ms: Sequence[float]
    duration_s: float
    rate_hz: float = 1.0
    speed: float = 1.0
    outages: Sequence[tuple[float, float]] = ()
    contact_losses: Sequence[tuple[float, float]] = ()
    battery_changes: Sequence[tuple[float, int]] = ()


@dataclass
class EmulatedRun:
    """Both sides of an emulated recording."""

    recording: RecordingReport
    notifications_sent: int
    beats_sent: int
    beats_unsent: int
    reconnect_latencies_s: list[float | None] = field(default_factory=list)
    address: str = ""


def load_rr_series(path: Path) -> list[float]:
    """The RR intervals (ms) of a recording file (RR list, Polar HRM, FIT with HRV).

    Raises:
        RecordingError: The file holds no RR intervals.
    """
    try:
        imported = read_workout(path, UTC)
    except SensorError as exc:
        raise RecordingError(f"Cannot replay {path}: {exc}") from exc
    series = [rr for session in imported.sessions for rr in session.rr.rr_ms]
    if not series:
        raise RecordingError(
            f"{path.name} has no RR intervals to replay. Use an RR list, a Polar .hrm "
            "RR recording or a FIT file with HRV (e.g. data-samples/rest-rr.txt)."
        )
    return series


async def open_backend(name: str, transport: str | None) -> BleBackend:
    """Open the chosen backend (`bleak`, or `bumble` on an HCI transport)."""
    module = backend_module(name)
    if name == "bumble":
        if not transport:
            raise RecordingError(
                "The bumble backend needs --transport, e.g. --transport usb:0 for the "
                "first USB dongle (see README, 'USB dongle with bumble')."
            )
        backend: BleBackend = await module.open_bumble_backend(transport)
        return backend
    bleak_backend: BleBackend = module.BleakBackend()
    return bleak_backend


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set `stop` on Ctrl-C or SIGTERM while inside the block.

    Where the event loop cannot watch signals (Windows), Ctrl-C still arrives
    as KeyboardInterrupt, which the caller turns into a clean stop.
    """
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    names = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP: the terminal was closed
    for sig in [getattr(signal, name) for name in names if hasattr(signal, name)]:
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            logger.debug("Cannot watch %s in this event loop", sig.name)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def record_sensors(
    store: Store,
    backend: BleBackend,
    addresses: Sequence[str],
    *,
    feed: LiveFeed,
    duration_s: float | None = None,
    names: dict[str, str | None] | None = None,
) -> RecordingReport:
    """Record real sensors until Ctrl-C, SIGTERM or `duration_s`."""
    stop = asyncio.Event()
    recorder = Recorder(store, backend, addresses, feed=feed, names=names)
    with stop_on_signals(stop):
        if duration_s is not None:
            asyncio.get_running_loop().call_later(duration_s, stop.set)
        return await recorder.run(stop)


async def record_emulated(
    store: Store,
    plan: EmulationPlan,
    *,
    feed: LiveFeed,
    options: RecorderOptions | None = None,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
) -> EmulatedRun:
    """Replay `plan` through an emulated strap and record it into `store`.

    The strap runs on bumble virtual controllers; the recorder connects to it
    through the bumble backend exactly as it would to a dongle.
    """
    from sensors.ble.emulation.replay import BatteryChange, replay
    from sensors.ble.emulation.script import Window, heart_rate_ticks
    from sensors.ble.emulation.strap import EmulatedStrap, VirtualRadio

    radio = VirtualRadio()
    strap = EmulatedStrap(radio)
    await strap.start()
    backend = await radio.central_backend()
    stop = stop or asyncio.Event()
    clock = AcceleratedClock(plan.speed)
    recorder = Recorder(
        store,
        backend,
        [strap.address],
        clock=clock,
        feed=feed,
        options=options,
        names={strap.address: strap.name},
    )
    recording = asyncio.create_task(recorder.run(stop))
    signals = stop_on_signals(stop) if handle_signals else contextlib.nullcontext()
    with signals:
        await _until_subscribed_or_done(strap, recording)
        ticks = list(
            heart_rate_ticks(
                plan.rr_ms,
                plan.duration_s,
                plan.rate_hz,
                [Window(s, d) for s, d in plan.contact_losses],
            )
        )
        replayed = await replay(
            strap,
            ticks,
            outages=[Window(s, d) for s, d in plan.outages],
            battery_changes=[BatteryChange(t, p) for t, p in plan.battery_changes],
            speed=plan.speed,
            stop=stop,
        )
        # Let the last notification cross the virtual link before stopping.
        await asyncio.sleep(0.05)
        stop.set()
        report = await recording
    counters = strap.counters
    return EmulatedRun(
        report,
        counters.notifications_sent,
        counters.beats_sent,
        counters.beats_unsent,
        [outage.reconnect_latency_s for outage in replayed.outages],
        strap.address,
    )


async def _until_subscribed_or_done(strap: Any, recording: asyncio.Task[Any]) -> None:
    waiter = asyncio.create_task(strap.wait_subscribed(timeout_s=30.0))
    await asyncio.wait({waiter, recording}, return_when=asyncio.FIRST_COMPLETED)
    if recording.done():
        waiter.cancel()
        await recording  # raises the recorder's error
    await waiter


async def close_backend(backend: Any) -> None:
    """Close a backend that has a `close` (bumble's does; bleak's has nothing to close)."""
    close = getattr(backend, "close", None)
    if close is not None:
        await close()


def emulated_source(
    plan: EmulationPlan,
) -> Callable[[Store, LiveFeed, asyncio.Event], Awaitable[EmulatedRun]]:
    """A dashboard live source replaying `plan` through an emulated strap."""

    async def run(store: Store, feed: LiveFeed, stop: asyncio.Event) -> EmulatedRun:
        # The dashboard owns the signals: it stops the recorder, then itself.
        return await record_emulated(
            store, plan, feed=feed, stop=stop, handle_signals=False
        )

    return run


def sensor_source(
    backend_name: str, transport: str | None, addresses: Sequence[str]
) -> Callable[[Store, LiveFeed, asyncio.Event], Awaitable[RecordingReport]]:
    """A dashboard live source recording real sensors until the stop event."""

    async def run(store: Store, feed: LiveFeed, stop: asyncio.Event) -> RecordingReport:
        backend = await open_backend(backend_name, transport)
        try:
            return await Recorder(store, backend, addresses, feed=feed).run(stop)
        finally:
            await close_backend(backend)

    return run
