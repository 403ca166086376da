"""The live recorder: Bluetooth heart-rate sensors into the store, for hours.

One task per sensor keeps it connected; one flusher writes everything received
about once a second, in one transaction per batch. Each sensor gets one session
for the whole recording: a dropped link is reconnected with backoff and jitter,
the time without data is stored as a gap (no invented samples), and the first
RR interval after it is marked `after_gap` so HRV never spans it.

Exactly once (SEN-06). A notification is handled once even when a Bluetooth
stack misbehaves after a reconnect:

1. every connection is a fresh client, and `close` unsubscribes before
   disconnecting (the backend contract in `sensors.ble.link`);
2. each connection has a generation number; a handler left over from an older
   connection that still fires is counted as stale and ignored;
3. the same bytes from the same sensor delivered again in the same turn of the
   event loop get the first delivery's receive time, so a handler called twice
   for one notification sees the same (receive time, bytes) and the second
   call is dropped;
4. the store ignores a notification whose (device, receive time, bytes) it
   already holds.

Limitation: two genuinely separate notifications with identical bytes that
arrive in the same turn of the event loop (queued together by the stack) cannot
be told from one delivered twice, and are stored once.

The recorder needs a `BleBackend` (`sensors.ble.link`), which the caller picks:
the core never imports a Bluetooth library itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from fitlearn.errors import FitlearnError
from fitlearn.recording.clock import RecorderClock, SystemClock
from fitlearn.recording.live import (
    BatteryUpdate,
    ConnectionState,
    ConnectionUpdate,
    HeartRateUpdate,
    LiveFeed,
)
from fitlearn.store import Store
from fitlearn.store.live import (
    BatchOutcome,
    GapEvent,
    LiveBatch,
    LiveSample,
    open_live_session,
    write_live_batches,
)
from sensors.ble.gatt_values import parse_battery_level
from sensors.ble.hrm import ENERGY_SATURATED_KJ, parse_heart_rate_measurement
from sensors.ble.link import BleBackend, GattConnection
from sensors.ble.sensor_info import SensorDetails, read_sensor_details
from sensors.ble.uuids import BATTERY_LEVEL, HEART_RATE_MEASUREMENT
from sensors.errors import (
    BluetoothError,
    BluetoothUnavailableError,
    MalformedNotificationError,
)
from sensors.records import DeviceInfo

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class RecordingError(FitlearnError):
    """Recording cannot start or go on (no adapter, sensor without heart rate)."""


@dataclass(frozen=True)
class RecorderOptions:
    """Timing of the recorder; every duration is in the clock's seconds."""

    batch_interval_s: float = 1.0
    """How often received data is written (one transaction per batch)."""
    connect_timeout_s: float = 10.0
    """How long one connection attempt waits for the sensor to appear."""
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 4.0
    """Longest wait between attempts; with jitter and connection setup this keeps
    reconnecting within 10 s of the sensor coming back."""
    backoff_jitter: float = 0.25
    """Each wait is randomly shortened or lengthened by up to this fraction."""
    final_write_attempts: int = 12
    """Attempts at the last batch when stopping; each waits out the store's busy
    timeout (10 s), so a long import on the same database delays the stop by up to
    two minutes instead of losing the last batch."""


@dataclass
class SensorReport:
    """What the recorder did with one sensor."""

    address: str
    session_id: int | None = None
    connections: int = 0
    notifications: int = 0
    """Heart-rate notifications accepted (decoded, not duplicates)."""
    beats: int = 0
    """RR intervals accepted."""
    malformed: int = 0
    duplicates: int = 0
    """Second deliveries dropped in memory or ignored by the store."""
    stale: int = 0
    """Deliveries from an old connection's handler, ignored."""
    samples_stored: int = 0
    rr_stored: int = 0
    gaps: list[tuple[int, int | None]] = field(default_factory=list)
    """(start_ms, end_ms) of each time the link was down; end None if it stayed down."""


@dataclass
class RecordingReport:
    """The outcome of one recording, per sensor."""

    sensors: list[SensorReport]


class EnergyCounter:
    """Session energy from the sensor's cumulative counter (SEN-03).

    The session's energy is the sum of the counter's increases, never the sum
    of readings. A decrease means the counter was reset (by a client or a
    sensor restart) and counts from zero; 0xFFFF means it saturated, which is
    flagged and not taken as a jump.
    """

    def __init__(self) -> None:
        self.total_kj: int | None = None
        self.reset_needed = False
        self._last: int | None = None

    def add(self, reading_kj: int) -> None:
        """Account one reading of the counter."""
        if reading_kj == ENERGY_SATURATED_KJ:
            self.reset_needed = True
            return
        if self._last is None:
            self.total_kj = self.total_kj or 0
        elif reading_kj >= self._last:
            self.total_kj = (self.total_kj or 0) + reading_kj - self._last
        else:
            self.total_kj = (self.total_kj or 0) + reading_kj
        self._last = reading_kj


class Backoff:
    """Exponential waits with jitter between reconnection attempts."""

    def __init__(self, options: RecorderOptions, rng: random.Random) -> None:
        self._options = options
        self._rng = rng
        self._attempt = 0

    def reset(self) -> None:
        """Start again from the shortest wait (after a successful connection)."""
        self._attempt = 0

    def next_delay_s(self) -> float:
        """The next wait, in seconds."""
        options = self._options
        base = min(
            options.backoff_max_s, options.backoff_initial_s * 2.0**self._attempt
        )
        self._attempt += 1
        return base * (
            1 + self._rng.uniform(-options.backoff_jitter, options.backoff_jitter)
        )


@dataclass
class _Pending:
    samples: list[LiveSample] = field(default_factory=list)
    battery: list[tuple[int, int]] = field(default_factory=list)
    gaps: list[GapEvent] = field(default_factory=list)
    malformed: int = 0
    duplicates: int = 0

    def __bool__(self) -> bool:
        return bool(
            self.samples
            or self.battery
            or self.gaps
            or self.malformed
            or self.duplicates
        )


class _Sensor:
    """One sensor's recording state (touched only in the event loop)."""

    def __init__(self, address: str, name: str | None) -> None:
        self.address = address
        self.name = name
        self.report = SensorReport(address)
        self.device_id: int | None = None
        self.generation = 0
        self.pending = _Pending()
        self.energy = EnergyCounter()
        self.body_location: str | None = None
        self.rr_after_gap = False
        self.gap_open = False
        self.last_payload: bytes | None = None
        self.last_t_ms = 0

    def take_pending(self) -> _Pending:
        pending, self.pending = self.pending, _Pending()
        return pending


class Recorder:
    """Record heart rate and RR intervals from Bluetooth sensors into a store.

    Args:
        store: Where sessions and samples go.
        backend: The Bluetooth stack to connect through.
        addresses: The sensors, one session each.
        clock: Time source (an `AcceleratedClock` for emulated sessions).
        feed: Where live events are published; a new one by default.
        options: Timing.
        names: Advertised names by address, stored with the device.
        rng: Randomness for the backoff jitter (seed it in tests).
    """

    def __init__(
        self,
        store: Store,
        backend: BleBackend,
        addresses: Sequence[str],
        *,
        clock: RecorderClock | None = None,
        feed: LiveFeed | None = None,
        options: RecorderOptions | None = None,
        names: Mapping[str, str | None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not addresses:
            raise RecordingError("No sensor to record: pass at least one --address.")
        self._store = store
        self._backend = backend
        self._clock = clock or SystemClock()
        self.feed = feed or LiveFeed()
        self._options = options or RecorderOptions()
        self._rng = rng or random.Random()
        names = names or {}
        self._sensors = [_Sensor(a, names.get(a)) for a in dict.fromkeys(addresses)]
        self._flush_lock = asyncio.Lock()
        self._turn_stamps: dict[tuple[str, bytes], int] = {}

    @property
    def reports(self) -> list[SensorReport]:
        """Live counters per sensor (also returned by `run`)."""
        return [sensor.report for sensor in self._sensors]

    async def run(self, stop: asyncio.Event) -> RecordingReport:
        """Record until `stop` is set, then flush everything and close cleanly.

        Raises:
            RecordingError: Bluetooth is unavailable, or a sensor offers no heart rate.
        """
        tasks = [
            asyncio.create_task(self._keep_connected(s, stop)) for s in self._sensors
        ]
        # The flusher is asked to finish, never cancelled: a cancelled write
        # could lose the batch it had already taken.
        closing = asyncio.Event()
        flusher = asyncio.create_task(self._flush_periodically(closing))
        stopper = asyncio.create_task(stop.wait())
        failure: BaseException | None = None
        try:
            pending: set[asyncio.Future[Any]] = set(tasks)
            while pending and not stop.is_set():
                done, pending = await asyncio.wait(
                    pending | {stopper}, return_when=asyncio.FIRST_COMPLETED
                )
                pending.discard(stopper)
                failure = failure or _first_error(done - {stopper})
                if failure is not None:
                    break
        finally:
            stop.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            failure = failure or _first_error_of(results)
            closing.set()
            stopper.cancel()
            await asyncio.gather(flusher, stopper, return_exceptions=True)
            await self._flush(closing=True)
            for sensor in self._sensors:
                self._publish_state(sensor, "stopped")
        if failure is not None:
            raise failure
        return RecordingReport(self.reports)

    # Connection ----------------------------------------------------------------

    async def _keep_connected(self, sensor: _Sensor, stop: asyncio.Event) -> None:
        backoff = Backoff(self._options, self._rng)
        while not stop.is_set():
            self._publish_state(sensor, "connecting")
            try:
                connection = await _until(
                    self._backend.connect(
                        sensor.address, self._options.connect_timeout_s
                    ),
                    stop,
                )
            except BluetoothUnavailableError as exc:
                if sensor.report.connections == 0:
                    raise RecordingError(str(exc)) from exc
                await self._wait_before_retry(sensor, backoff, exc, stop)
                continue
            except BluetoothError as exc:
                await self._wait_before_retry(sensor, backoff, exc, stop)
                continue
            if connection is None:
                return
            if await self._stay_connected(sensor, connection, stop):
                backoff.reset()
            else:
                # Set-up failed on a live link: wait before trying again.
                await _until(self._clock.sleep(backoff.next_delay_s()), stop)

    async def _wait_before_retry(
        self, sensor: _Sensor, backoff: Backoff, exc: Exception, stop: asyncio.Event
    ) -> None:
        delay = backoff.next_delay_s()
        logger.info("%s: %s; retrying in %.1f s", sensor.address, exc, delay)
        await _until(self._clock.sleep(delay), stop)

    async def _stay_connected(
        self, sensor: _Sensor, connection: GattConnection, stop: asyncio.Event
    ) -> bool:
        """Record from one connection until it drops; False if set-up failed."""
        sensor.generation += 1
        try:
            await self._attach(sensor, connection, sensor.generation)
            self._publish_state(sensor, "connected")
        except BluetoothError as exc:
            logger.warning("%s: link failed while setting up: %s", sensor.address, exc)
            return False
        else:
            await _until(connection.wait_disconnected(), stop)
            return True
        finally:
            # Whatever the old client still delivers from here on is stale.
            sensor.generation += 1
            if not stop.is_set():
                self._link_lost(sensor)
            await connection.close()

    async def _attach(
        self, sensor: _Sensor, connection: GattConnection, generation: int
    ) -> None:
        details = await read_sensor_details(connection)
        if sensor.report.session_id is None:
            await self._open_session(sensor, details)
        sensor.body_location = details.body_location or sensor.body_location
        if details.battery_percent is not None:
            self._accept_battery(sensor, details.battery_percent)
        await connection.subscribe(
            BATTERY_LEVEL, lambda payload: self._on_battery(sensor, generation, payload)
        )
        if sensor.gap_open:
            # Closed before subscribing: every sample then falls after the gap.
            self._close_gap(sensor)
        offered = await connection.subscribe(
            HEART_RATE_MEASUREMENT,
            lambda payload: self._on_heart_rate(sensor, generation, payload),
        )
        if not offered:
            raise RecordingError(
                f"{sensor.address} offers no Heart Rate Measurement characteristic: it is "
                "not a heart-rate sensor. Run 'fitlearn sensors scan' to find one."
            )
        sensor.report.connections += 1

    async def _open_session(self, sensor: _Sensor, details: SensorDetails) -> None:
        start_ms = self._clock.now_ms()
        info = details.info
        session_id, device_id = await asyncio.to_thread(
            open_live_session,
            self._store,
            address=sensor.address,
            name=sensor.name,
            info=DeviceInfo(info.manufacturer, info.model, info.serial),
            backend=self._backend.name,
            body_location=details.body_location,
            start_ms=start_ms,
            utc_offset_s=_utc_offset_s(start_ms),
        )
        sensor.report.session_id, sensor.device_id = session_id, device_id
        logger.info(
            "%s: recording into session %d (%s %s, %s)",
            sensor.address,
            session_id,
            info.manufacturer or "?",
            info.model or "?",
            details.body_location or "location ?",
        )

    def _link_lost(self, sensor: _Sensor) -> None:
        now = self._clock.now_ms()
        self._publish_state(sensor, "disconnected")
        if sensor.report.session_id is None or sensor.gap_open:
            return
        logger.warning("%s: link lost; reconnecting", sensor.address)
        sensor.gap_open = True
        sensor.rr_after_gap = True
        sensor.pending.gaps.append(GapEvent("open", now))
        sensor.report.gaps.append((now, None))

    def _close_gap(self, sensor: _Sensor) -> None:
        now = self._clock.now_ms()
        sensor.gap_open = False
        sensor.pending.gaps.append(GapEvent("close", now))
        start, _ = sensor.report.gaps[-1]
        sensor.report.gaps[-1] = (start, now)
        logger.info(
            "%s: reconnected after %.1f s without data",
            sensor.address,
            (now - start) / 1000,
        )

    # Notifications --------------------------------------------------------------

    def _receive_time(self, address: str, payload: bytes) -> int:
        """The receive time; the same bytes seen again in this loop turn reuse it."""
        key = (address, payload)
        if key not in self._turn_stamps:
            if not self._turn_stamps:
                asyncio.get_running_loop().call_soon(self._turn_stamps.clear)
            self._turn_stamps[key] = self._clock.now_ms()
        return self._turn_stamps[key]

    def _on_heart_rate(self, sensor: _Sensor, generation: int, payload: bytes) -> None:
        t_ms = self._receive_time(sensor.address, payload)
        if not self._is_current(sensor, generation, payload, t_ms):
            return
        try:
            measurement = parse_heart_rate_measurement(payload)
        except MalformedNotificationError as exc:
            _count_malformed(sensor, "heart-rate", exc)
            return
        rr_ms = measurement.rr_ms
        if measurement.contact is False:
            # Limitation: RR sent without skin contact are dropped, as no strap
            # measures beats then; the next RR is marked as following a gap.
            rr_ms = ()
            sensor.rr_after_gap = True
        rr = self._beat_times(sensor, t_ms, rr_ms)
        if measurement.energy_kj is not None:
            sensor.energy.add(measurement.energy_kj)
        sample = LiveSample(
            t_ms, payload, measurement.reading_bpm, measurement.contact, rr
        )
        sensor.pending.samples.append(sample)
        sensor.report.notifications += 1
        sensor.report.beats += len(rr)
        self.feed.publish(
            HeartRateUpdate(
                sensor.address,
                t_ms,
                sample.bpm,
                sample.contact,
                rr_ms,
                measurement.energy_kj,
            )
        )

    def _is_current(
        self, sensor: _Sensor, generation: int, payload: bytes, t_ms: int
    ) -> bool:
        if generation != sensor.generation:
            sensor.report.stale += 1
            logger.debug(
                "%s: ignored a delivery from a closed connection", sensor.address
            )
            return False
        if payload == sensor.last_payload and t_ms == sensor.last_t_ms:
            sensor.report.duplicates += 1
            sensor.pending.duplicates += 1
            logger.debug(
                "%s: ignored a second delivery of %s", sensor.address, payload.hex(" ")
            )
            return False
        sensor.last_payload, sensor.last_t_ms = payload, t_ms
        return True

    @staticmethod
    def _beat_times(
        sensor: _Sensor, t_ms: int, rr_ms: Sequence[float]
    ) -> tuple[tuple[int, float, bool], ...]:
        # The last beat ended about when the notification arrived; earlier ones
        # ended their successors' intervals before it.
        rows: list[tuple[int, float, bool]] = []
        remaining = sum(rr_ms)
        for value in rr_ms:
            remaining -= value
            rows.append((round(t_ms - remaining), value, sensor.rr_after_gap))
            sensor.rr_after_gap = False
        return tuple(rows)

    def _on_battery(self, sensor: _Sensor, generation: int, payload: bytes) -> None:
        if generation != sensor.generation:
            return
        try:
            percent = parse_battery_level(payload)
        except MalformedNotificationError as exc:
            _count_malformed(sensor, "battery", exc)
            return
        self._accept_battery(sensor, percent)

    def _accept_battery(self, sensor: _Sensor, percent: int) -> None:
        t_ms = self._clock.now_ms()
        sensor.pending.battery.append((t_ms, percent))
        self.feed.publish(BatteryUpdate(sensor.address, t_ms, percent))

    def _publish_state(self, sensor: _Sensor, state: ConnectionState) -> None:
        self.feed.publish(ConnectionUpdate(sensor.address, self._clock.now_ms(), state))

    # Writing --------------------------------------------------------------------

    async def _flush_periodically(self, closing: asyncio.Event) -> None:
        while not closing.is_set():
            await _until(self._clock.sleep(self._options.batch_interval_s), closing)
            await self._flush(closing=False)

    async def _flush(self, *, closing: bool) -> None:
        async with self._flush_lock:
            taken = [
                (s, s.take_pending()) for s in self._sensors if s.device_id is not None
            ]
            taken = [(s, p) for s, p in taken if p or closing]
            if not taken:
                return
            batches = [self._batch(s, p, closing) for s, p in taken]
            attempts = self._options.final_write_attempts if closing else 1
            for attempt in range(1, attempts + 1):
                try:
                    outcomes = await asyncio.to_thread(
                        write_live_batches, self._store, batches
                    )
                    break
                except (SQLAlchemyError, FitlearnError) as exc:
                    reason = getattr(exc, "orig", None) or exc
                    logger.warning(
                        "Writing a batch failed (%s); it is kept and retried (%d/%d)",
                        reason,
                        attempt,
                        attempts,
                    )
                    failure = exc
            else:
                for sensor, pending in taken:
                    _restore(sensor, pending)
                if closing:
                    raise RecordingError(
                        f"The last batch could not be written to {self._store.path}: "
                        f"{getattr(failure, 'orig', None) or failure}"
                    ) from failure
                return
            for (sensor, _), outcome in zip(taken, outcomes, strict=True):
                _account(sensor.report, outcome)

    def _batch(self, sensor: _Sensor, pending: _Pending, closing: bool) -> LiveBatch:
        assert sensor.report.session_id is not None
        assert sensor.device_id is not None
        last = pending.samples[-1].t_ms if pending.samples else None
        return LiveBatch(
            session_id=sensor.report.session_id,
            device_id=sensor.device_id,
            samples=pending.samples,
            battery=pending.battery,
            gaps=pending.gaps,
            malformed=pending.malformed,
            duplicates=pending.duplicates,
            energy_kj=sensor.energy.total_kj,
            energy_reset_needed=sensor.energy.reset_needed,
            body_location=sensor.body_location,
            closed_cleanly=closing,
            end_ms=self._clock.now_ms() if closing else last,
        )


def _count_malformed(
    sensor: _Sensor, kind: str, exc: MalformedNotificationError
) -> None:
    sensor.report.malformed += 1
    sensor.pending.malformed += 1
    logger.warning(
        "%s: dropped a malformed %s notification: %s", sensor.address, kind, exc
    )


def _restore(sensor: _Sensor, pending: _Pending) -> None:
    newer = sensor.pending
    newer.samples[:0] = pending.samples
    newer.battery[:0] = pending.battery
    newer.gaps[:0] = pending.gaps
    newer.malformed += pending.malformed
    newer.duplicates += pending.duplicates


def _account(report: SensorReport, outcome: BatchOutcome) -> None:
    report.samples_stored += outcome.samples_stored
    report.rr_stored += outcome.rr_stored
    report.duplicates += outcome.duplicates_ignored


async def _until(awaitable: Awaitable[_T], stop: asyncio.Event) -> _T | None:
    """Await `awaitable` unless `stop` is set first (then cancel it, return None)."""
    work = asyncio.ensure_future(awaitable)
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if work.done():
        return work.result()
    work.cancel()
    await asyncio.gather(work, return_exceptions=True)
    return None


def _first_error(done: Iterable[asyncio.Future[Any]]) -> BaseException | None:
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            return task.exception()
    return None


def _first_error_of(results: Sequence[object]) -> BaseException | None:
    for result in results:
        if isinstance(result, BaseException) and not isinstance(
            result, asyncio.CancelledError
        ):
            return result
    return None


def _utc_offset_s(t_ms: int) -> int | None:
    offset = datetime.fromtimestamp(t_ms / 1000).astimezone().utcoffset()
    return None if offset is None else int(offset.total_seconds())
