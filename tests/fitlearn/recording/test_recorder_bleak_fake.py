"""The recorder through the bleak backend, with bleak faked at its public API.

Emulation level: `BleakClient` and `BleakScanner` are replaced by fakes with
the same public methods (`connect`, `start_notify`, `stop_notify`,
`read_gatt_char`, `disconnect`, `discover`), backed by a scripted world of
sensors (`fake_bleak.py`). Everything from `sensors.ble.backends.bleak_backend`
up (decoding, recorder, store) is real. The clock is set by hand, so stored
times are exact. SEN-06 is replayed against the fake's known misbehaviours.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from fitlearn.recording import Recorder, RecorderOptions
from sensors.ble.backends.bleak_backend import BleakBackend
from sensors.ble.hrm import encode_heart_rate_measurement
from sensors.ble.uuids import BATTERY_LEVEL, HEART_RATE_MEASUREMENT
from tests.fitlearn.recording.fake_bleak import FakeWorld, ManualClock
from tests.fitlearn.recording.helpers import DATA, rows, wait_for

ADDRESS = "AA:BB:CC:DD:EE:01"
FAST = RecorderOptions(
    backoff_initial_s=0.01, backoff_max_s=0.02, connect_timeout_s=0.5
)


def _start(store, world: FakeWorld, clock: ManualClock, addresses=(ADDRESS,)):
    client_class, scanner = world.classes()
    backend = BleakBackend(client_class=client_class, scanner_class=scanner)
    recorder = Recorder(store, backend, list(addresses), clock=clock, options=FAST)
    stop = asyncio.Event()
    return recorder, stop, asyncio.create_task(recorder.run(stop))


async def _subscribed(world: FakeWorld, address: str = ADDRESS) -> None:
    await wait_for(lambda: world.live_subscribers(address, HEART_RATE_MEASUREMENT) == 1)


async def test_scan_reports_address_name_rssi_and_service():
    world = FakeWorld()
    world.add(ADDRESS)
    client_class, scanner = world.classes()

    [found] = await BleakBackend(client_class, scanner).scan(0.01)

    assert (found.address, found.name, found.rssi, found.is_heart_rate_sensor) == (
        ADDRESS,
        "Fake HRM",
        -60,
        True,
    )


async def test_session_with_contact_loss_battery_and_reconnect(store):
    world = FakeWorld()
    world.add(ADDRESS)
    clock = ManualClock()
    recorder, stop, recording = _start(store, world, clock)
    await _subscribed(world)

    script = [
        (0, encode_heart_rate_measurement(70, True, 100, [877])),
        (1, encode_heart_rate_measurement(71, True, 101, [866, 850])),
        (2, encode_heart_rate_measurement(0, False)),
        (3, encode_heart_rate_measurement(72, True, 103, [840])),
    ]
    for t, payload in script:
        clock.set(t)
        world.notify(ADDRESS, HEART_RATE_MEASUREMENT, payload)
    clock.set(3.5)
    world.notify(ADDRESS, BATTERY_LEVEL, b"\x50")
    clock.set(4)
    world.drop(ADDRESS)
    await wait_for(lambda: bool(recorder.reports[0].gaps))
    clock.set(10)
    world.peripherals[ADDRESS].present = True
    await _subscribed(world)
    clock.set(11)
    world.notify(
        ADDRESS,
        HEART_RATE_MEASUREMENT,
        encode_heart_rate_measurement(73, True, 110, [830]),
    )
    stop.set()
    report = (await recording).sensors[0]

    t0 = clock.start_ms
    assert rows(
        store, "SELECT t_ms - ?, bpm, contact FROM hr_samples ORDER BY seq", t0
    ) == [
        (0, 70, 1),
        (1000, 71, 1),
        (2000, None, 0),
        (3000, 72, 1),
        (11000, 73, 1),
    ]
    assert rows(store, "SELECT after_gap FROM rr_intervals ORDER BY seq") == [
        (0,),
        (0,),
        (0,),
        (1,),
        (1,),
    ]
    assert rows(
        store, "SELECT start_ms - ?, end_ms - ? FROM recording_gaps", t0, t0
    ) == [(4000, 10000)]
    assert rows(store, "SELECT t_ms - ?, percent FROM battery_levels ORDER BY seq", t0)[
        1
    ] == (3500, 80)
    # Energy: increases of the counter (100 -> 103, then 103 -> 110), not a sum of readings.
    assert rows(store, "SELECT energy_kj, closed_cleanly FROM live_sessions") == [
        (10, 1)
    ]
    assert rows(store, "SELECT manufacturer, product FROM devices") == [
        ("Fake Co", "FK-1")
    ]
    assert report.connections == 2
    assert world.clients_created >= 2


def test_a_saturated_energy_counter_is_flagged_not_counted():
    from fitlearn.recording.recorder import EnergyCounter

    counter = EnergyCounter()
    for reading in (4660, 4660, 4672, 0xFFFF, 4680):
        counter.add(reading)

    assert counter.total_kj == 20
    assert counter.reset_needed


def test_an_energy_counter_reset_counts_from_zero():
    from fitlearn.recording.recorder import EnergyCounter

    counter = EnergyCounter()
    for reading in (500, 520, 5, 15):
        counter.add(reading)

    assert counter.total_kj == 20 + 5 + 10


async def test_malformed_notifications_are_counted_not_stored(store, caplog):
    world = FakeWorld()
    world.add(ADDRESS)
    clock = ManualClock()
    _recorder, stop, recording = _start(store, world, clock)
    await _subscribed(world)

    for payload in (
        b"",
        b"\x10",
        bytes.fromhex("164C28"),
        encode_heart_rate_measurement(66, True),
    ):
        world.notify(ADDRESS, HEART_RATE_MEASUREMENT, payload)
    world.notify(ADDRESS, BATTERY_LEVEL, b"\xc8")  # 200 %
    stop.set()
    report = (await recording).sensors[0]

    assert report.malformed == 4
    assert rows(store, "SELECT bpm FROM hr_samples") == [(66,)]
    assert rows(store, "SELECT malformed FROM live_sessions") == [(4,)]
    assert "bytes: none" in caplog.text
    assert "bytes: 16 4c 28" in caplog.text
    assert "bytes: c8" in caplog.text


async def test_unavailable_bluetooth_stops_with_advice(store):
    class NoAdapter:
        name = "bleak"

        async def connect(self, address, timeout_s):
            from bleak.exc import (
                BleakBluetoothNotAvailableError,
                BleakBluetoothNotAvailableReason,
            )

            from sensors.ble.backends.bleak_backend import _translate

            raise _translate(
                BleakBluetoothNotAvailableError(
                    "off", BleakBluetoothNotAvailableReason.POWERED_OFF
                ),
                f"Cannot connect to {address}",
            )

        async def scan(self, timeout_s):
            return []

    from fitlearn.recording import RecordingError

    recorder = Recorder(
        store, NoAdapter(), [ADDRESS], clock=ManualClock(), options=FAST
    )
    with pytest.raises(RecordingError, match="switched off"):
        await recorder.run(asyncio.Event())


# SEN-06 ---------------------------------------------------------------------------

SCENARIO = json.loads((DATA / "cases" / "SEN-06.scenario.json").read_text())


async def _play_sen06(store, world: FakeWorld):
    world.add(ADDRESS)
    clock = ManualClock()
    recorder, stop, recording = _start(store, world, clock)
    for step in SCENARIO["steps"]:
        if "t" in step:
            clock.set(step["t"])
        if step["op"] in ("connect", "start_notify"):
            await _subscribed(world)
        elif step["op"] == "notify":
            world.notify(ADDRESS, HEART_RATE_MEASUREMENT, bytes.fromhex(step["hex"]))
        elif step["op"] == "link_lost":
            world.drop(ADDRESS)
            await wait_for(lambda: bool(recorder.reports[0].gaps))
        elif step["op"] == "reconnect":
            world.peripherals[ADDRESS].present = True
    stop.set()
    report = (await recording).sensors[0]
    return clock, report


def _assert_sen06_store(store, clock: ManualClock) -> None:
    expected = SCENARIO["expected"]
    t0 = clock.start_ms
    samples = rows(
        store, "SELECT (t_ms - ?) / 1000.0, bpm FROM hr_samples ORDER BY seq", t0
    )
    assert [list(s) for s in samples] == expected["stored_hr_samples"]
    rr = [
        round(v, 3)
        for (v,) in rows(store, "SELECT rr_ms FROM rr_intervals ORDER BY seq")
    ]
    assert rr == expected["stored_rr_ms"]
    between = rows(
        store,
        "SELECT COUNT(*) FROM hr_samples WHERE t_ms > ? AND t_ms < ?",
        t0 + 2500,
        t0 + 6000,
    )
    assert between[0][0] == expected["stored_samples_between_2.5_and_6.0"]


@pytest.mark.parametrize(
    "misbehaviour",
    [
        "none",
        "stale_handlers_survive",
        "refuse_second_start_notify",
        "deliver_twice",
        "all",
    ],
)
async def test_sen06_each_notification_is_stored_once_after_a_reconnect(
    store, misbehaviour
):
    world = FakeWorld()
    for flag in (
        "stale_handlers_survive",
        "refuse_second_start_notify",
        "deliver_twice",
    ):
        setattr(world, flag, misbehaviour in (flag, "all"))

    clock, report = await _play_sen06(store, world)

    _assert_sen06_store(store, clock)
    assert report.notifications == SCENARIO["expected"]["handler_invocations"]
    assert report.connections == 2  # start_notify after the reconnect did not raise
    if misbehaviour == "none":
        assert world.deliveries == 6
    if misbehaviour in ("stale_handlers_survive", "all"):
        # The old client's handler fired for each later notification and was ignored.
        assert report.stale == 3 * (2 if world.deliver_twice else 1)
    if misbehaviour in ("deliver_twice", "all"):
        assert report.duplicates == 6


async def test_sen06_the_fake_really_refuses_a_reused_client():
    """Guards the fake itself: reusing one client is what SEN-06's macOS report hit."""
    world = FakeWorld(refuse_second_start_notify=True)
    world.add(ADDRESS)
    client_class, _ = world.classes()
    client = client_class(ADDRESS)
    await client.connect()
    await client.start_notify(HEART_RATE_MEASUREMENT, lambda _c, _d: None)

    with pytest.raises(ValueError, match="already started"):
        await client.start_notify(HEART_RATE_MEASUREMENT, lambda _c, _d: None)


async def test_sen06_store_guard_ignores_the_same_device_time_and_bytes(store):
    from fitlearn.store.live import (
        LiveBatch,
        LiveSample,
        open_live_session,
        write_live_batches,
    )
    from sensors.records import DeviceInfo

    session_id, device_id = open_live_session(
        store,
        address=ADDRESS,
        name=None,
        info=DeviceInfo(),
        backend="bleak",
        body_location=None,
        start_ms=0,
        utc_offset_s=0,
    )
    sample = LiveSample(
        1000, bytes.fromhex("16484C03"), 72, True, ((1000, 830.078, False),)
    )
    other_time = LiveSample(2000, sample.payload, 72, True, ((2000, 830.078, False),))

    first = write_live_batches(store, [LiveBatch(session_id, device_id, [sample])])
    again = write_live_batches(
        store, [LiveBatch(session_id, device_id, [sample, other_time])]
    )

    assert (
        first[0].samples_stored,
        again[0].samples_stored,
        again[0].duplicates_ignored,
    ) == (1, 1, 1)
    assert rows(store, "SELECT COUNT(*), COUNT(DISTINCT t_ms) FROM hr_samples") == [
        (2, 2)
    ]
    assert rows(store, "SELECT COUNT(*) FROM rr_intervals") == [(2,)]
    assert rows(store, "SELECT duplicates FROM live_sessions") == [(1,)]
