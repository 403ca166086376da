"""The recorder end to end over a real BLE stack, with an emulated strap.

Emulation level: a heart-rate peripheral with a real GATT server runs on one
bumble virtual controller; the recorder's bumble backend runs on another; both
share bumble's in-process link (`LocalLink`). Advertising, scanning,
connection, service discovery, reads, CCCD writes and notifications all go
through bumble's host and controller code (HCI, L2CAP, ATT, GATT). Only the
radio is missing. Time runs accelerated through the recorder's clock.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from fitlearn.recording import (
    AcceleratedClock,
    HeartRateUpdate,
    Recorder,
    RecorderOptions,
)
from sensors.ble.emulation.replay import BatteryChange, replay
from sensors.ble.emulation.script import heart_rate_ticks
from sensors.ble.emulation.strap import EmulatedStrap, VirtualRadio
from sensors.ble.hrm import encode_heart_rate_measurement
from sensors.ble.uuids import HEART_RATE_SERVICE
from tests.fitlearn.recording.helpers import rest_rr_ms, rows, wait_for

SPEED = 20.0


async def _started(radio: VirtualRadio, **kwargs: object) -> EmulatedStrap:
    strap = EmulatedStrap(radio, keep_payloads=True, **kwargs)  # type: ignore[arg-type]
    await strap.start()
    return strap


async def test_scan_finds_the_strap_with_name_service_and_rssi():
    radio = VirtualRadio()
    strap = await _started(radio, name="Polar H10 EMU")
    backend = await radio.central_backend()

    found = await backend.scan(0.2)

    [seen] = [a for a in found if a.address == strap.address]
    assert seen.name == "Polar H10 EMU"
    assert HEART_RATE_SERVICE in seen.service_uuids
    assert seen.is_heart_rate_sensor
    assert isinstance(seen.rssi, int)


async def test_full_session_with_contact_loss_battery_malformed_and_reconnect(
    store, caplog
):
    caplog.set_level(logging.INFO)
    radio = VirtualRadio()
    strap = await _started(radio)
    backend = await radio.central_backend()
    clock = AcceleratedClock(SPEED)
    recorder = Recorder(store, backend, [strap.address], clock=clock)
    live = recorder.feed.subscribe()
    stop = asyncio.Event()
    recording = asyncio.create_task(recorder.run(stop))
    await strap.wait_subscribed()

    async def send(payload: bytes) -> None:
        await strap.notify_heart_rate(payload)
        await clock.sleep(0.25)  # 4 Hz

    for raw in ([808], [799, 810], [671, 680, 688], []):
        await send(encode_heart_rate_measurement(76, True, None, raw))
    for _ in range(3):
        await send(encode_heart_rate_measurement(0, contact=False))
    await send(encode_heart_rate_measurement(74, True, None, [830]))
    await strap.set_battery(75)
    await send(b"\x16")  # malformed: RR flag set, heart rate missing
    await send(bytes.fromhex("185AFF"))  # malformed: energy cut short
    await send(encode_heart_rate_measurement(75, True, None, [820]))

    await clock.sleep(1.5)  # a batch boundary: all of the above is stored now
    before_drop = rows(store, "SELECT COUNT(*) FROM hr_samples")[0][0]
    await strap.drop_link()
    await clock.sleep(5)
    back_at = clock.now_ms()
    await strap.advertise()
    await strap.wait_subscribed()
    latency_s = (clock.now_ms() - back_at) / 1000
    for raw in ([800], [790]):
        await send(encode_heart_rate_measurement(77, True, None, raw))
    await asyncio.sleep(0.01)
    stop.set()
    report = (await recording).sensors[0]
    live.close()
    events = [e async for e in live]

    # Both sides agree: every well-formed notification sent is stored, once, in order.
    sent = [
        p
        for p in strap.counters.sent_payloads
        if p not in (b"\x16", bytes.fromhex("185AFF"))
    ]
    stored = [
        bytes(p)
        for (p,) in rows(store, "SELECT payload FROM ble_notifications ORDER BY t_ms")
    ]
    assert stored == sent
    assert before_drop == 9
    hr = rows(store, "SELECT t_ms, bpm, contact FROM hr_samples ORDER BY seq")
    assert [r[1] for r in hr] == [76, 76, 76, 76, None, None, None, 74, 75, 77, 77]
    assert [r[2] for r in hr][4:7] == [0, 0, 0]
    rr = rows(store, "SELECT rr_ms, after_gap FROM rr_intervals ORDER BY seq")
    assert [round(v, 3) for v, _ in rr] == [
        789.062,
        780.273,
        791.016,
        655.273,
        664.062,
        671.875,
        810.547,
        800.781,
        781.25,
        771.484,
    ]
    # The first beat after the contact loss and the first after the reconnect follow a gap.
    assert [bool(g) for _, g in rr] == [False] * 6 + [True, False, True, False]
    # The link loss is one gap, with no sample inside it.
    [(gap_start, gap_end, reason)] = rows(
        store, "SELECT start_ms, end_ms, reason FROM recording_gaps"
    )
    assert reason == "disconnected"
    assert gap_end > gap_start
    assert not [t for t, *_ in hr if gap_start <= t < gap_end]
    assert latency_s <= 10.0
    assert [
        p for (p,) in rows(store, "SELECT percent FROM battery_levels ORDER BY seq")
    ][:2] == [90, 75]
    # Malformed notifications are counted, logged with their bytes, never stored.
    assert report.malformed == 2
    assert "bytes: 18 5a ff" in caplog.text
    assert "bytes: 16)" in caplog.text
    assert rows(
        store,
        "SELECT malformed, closed_cleanly, body_location, backend FROM live_sessions",
    ) == [(2, 1, "chest", "bumble")]
    assert rows(
        store, "SELECT kind, address, manufacturer, product, serial FROM devices"
    ) == [("ble", strap.address, "Fitlearn Labs", "HRM-EMU", "0001")]
    assert report.connections == 2
    assert report.duplicates == 0
    assert report.stale == 0
    # Subscribers saw the same measurements, the battery change and both link states.
    heart = [e for e in events if isinstance(e, HeartRateUpdate)]
    assert [e.bpm for e in heart] == [r[1] for r in hr]
    assert {type(e).__name__ for e in events} == {
        "HeartRateUpdate",
        "BatteryUpdate",
        "ConnectionUpdate",
    }


@pytest.mark.parametrize("rate_hz", [1.0, 2.0, 4.0])
async def test_replayed_rr_series_at_1_to_4_hz_lands_beat_for_beat(store, rate_hz):
    radio = VirtualRadio()
    strap = await _started(radio)
    backend = await radio.central_backend()
    speed = 100.0
    recorder = Recorder(store, backend, [strap.address], clock=AcceleratedClock(speed))
    stop = asyncio.Event()
    recording = asyncio.create_task(recorder.run(stop))
    await strap.wait_subscribed()
    ticks = list(heart_rate_ticks(rest_rr_ms(), 120, rate_hz))

    await replay(strap, ticks, battery_changes=[BatteryChange(60, 80)], speed=speed)
    await asyncio.sleep(0.01)
    stop.set()
    report = (await recording).sensors[0]

    assert strap.counters.notifications_sent == len(ticks)
    assert rows(store, "SELECT COUNT(*) FROM hr_samples")[0][0] == len(ticks)
    stored_rr = rows(store, "SELECT COUNT(*) FROM rr_intervals")[0][0]
    assert stored_rr == strap.counters.beats_sent == report.rr_stored > 100
    stored = [
        bytes(p)
        for (p,) in rows(store, "SELECT payload FROM ble_notifications ORDER BY t_ms")
    ]
    assert stored == strap.counters.sent_payloads


async def test_two_straps_record_into_two_sessions(store):
    radio = VirtualRadio()
    first = await _started(radio, address="C0:FF:EE:00:00:01", name="A")
    second = await _started(radio, address="C0:FF:EE:00:00:02", name="B")
    backend = await radio.central_backend()
    clock = AcceleratedClock(SPEED)
    recorder = Recorder(store, backend, [first.address, second.address], clock=clock)
    stop = asyncio.Event()
    recording = asyncio.create_task(recorder.run(stop))
    await first.wait_subscribed()
    await second.wait_subscribed()

    for bpm in (60, 61, 62):
        await first.notify_heart_rate(
            encode_heart_rate_measurement(bpm, True, None, [1000])
        )
        await second.notify_heart_rate(
            encode_heart_rate_measurement(bpm + 40, True, None, [600])
        )
        await clock.sleep(1)
    await asyncio.sleep(0.01)
    stop.set()
    await recording

    per_source = rows(
        store,
        "SELECT s.source, GROUP_CONCAT(h.bpm) FROM sessions s "
        "JOIN hr_samples h ON h.session_id = s.id GROUP BY s.id ORDER BY s.source",
    )
    assert per_source == [(first.address, "60,61,62"), (second.address, "100,101,102")]


async def test_stop_while_the_sensor_is_away_closes_the_gap_as_open(store):
    radio = VirtualRadio()
    strap = await _started(radio)
    backend = await radio.central_backend()
    clock = AcceleratedClock(SPEED)
    recorder = Recorder(
        store,
        backend,
        [strap.address],
        clock=clock,
        options=RecorderOptions(connect_timeout_s=0.2),
    )
    stop = asyncio.Event()
    recording = asyncio.create_task(recorder.run(stop))
    await strap.wait_subscribed()
    await strap.notify_heart_rate(encode_heart_rate_measurement(70, True, None, [857]))

    await strap.drop_link()
    await wait_for(lambda: bool(recorder.reports[0].gaps))
    await clock.sleep(3)
    stop.set()
    report = (await recording).sensors[0]

    assert report.gaps[0][1] is None
    assert rows(store, "SELECT end_ms IS NULL FROM recording_gaps") == [(1,)]
    assert rows(store, "SELECT bpm FROM hr_samples") == [(70,)]
    assert rows(store, "SELECT closed_cleanly FROM live_sessions") == [(1,)]
