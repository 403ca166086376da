"""The in-process live feed: subscriptions, listeners, slow readers.

Emulation level: none (pure asyncio).
"""

from __future__ import annotations

import logging

from fitlearn.recording import BatteryUpdate, HeartRateUpdate, LiveEvent, LiveFeed


async def test_every_subscriber_gets_every_event_in_order():
    feed = LiveFeed()
    first, second = feed.subscribe(), feed.subscribe()
    events = [HeartRateUpdate("A", t, 60 + t, True) for t in range(3)]

    for event in events:
        feed.publish(event)
    feed.close()

    assert [e async for e in first] == events
    assert [e async for e in second] == events


async def test_a_slow_subscriber_loses_its_oldest_events_not_the_recorder():
    feed = LiveFeed()
    slow = feed.subscribe(max_queued=2)

    for t in range(5):
        feed.publish(BatteryUpdate("A", t, 50))
    slow.close()

    assert [e.t_ms async for e in slow] == [3, 4]
    assert slow.dropped == 3


def test_a_failing_listener_is_logged_and_others_still_run(caplog):
    feed = LiveFeed()
    seen: list[LiveEvent] = []

    def broken(_event):
        raise RuntimeError("dashboard bug")

    feed.add_listener(broken)
    remove = feed.add_listener(seen.append)
    with caplog.at_level(logging.ERROR):
        feed.publish(BatteryUpdate("A", 1, 50))
    remove()
    feed.publish(BatteryUpdate("A", 2, 49))

    assert [e.t_ms for e in seen] == [1]
    assert "listener failed" in caplog.text
