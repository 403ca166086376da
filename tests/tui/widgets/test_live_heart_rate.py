"""The live heart-rate panel: pure reading logic, and the widget under Pilot.

Emulation level: the recorder's `LiveFeed` is real and fed events by the test,
as the recorder would publish them; the widget runs in a tiny Textual host app
driven by Pilot.
"""

from __future__ import annotations

from textual.app import App, ComposeResult

from fitlearn.features.session import zone_of
from fitlearn.recording import (
    BatteryUpdate,
    ConnectionUpdate,
    HeartRateUpdate,
    LiveFeed,
)
from tui.widgets.live_heart_rate import LiveHeartRate, LiveReading

ZONES = [(60, 114), (114, 127), (127, 140), (140, 153), (153, 166)]


def test_zone_of_follows_the_bounds():
    assert [zone_of(b, ZONES) for b in (50, 113, 114, 139, 152, 165, 190)] == [
        1,
        1,
        2,
        3,
        4,
        5,
        5,
    ]
    assert zone_of(None, ZONES) is None
    assert zone_of(120, []) is None


def test_reading_forgets_heart_rate_when_the_link_drops():
    reading = LiveReading().apply(HeartRateUpdate("A", 1, 130, True), ZONES)

    lost = reading.apply(ConnectionUpdate("A", 2, "disconnected"), ZONES)

    assert (reading.bpm, reading.zone) == (130, 3)
    assert (lost.bpm, lost.zone, lost.link) == (None, None, "disconnected")


class Host(App[None]):
    def __init__(self, feed: LiveFeed) -> None:
        super().__init__()
        self.feed = feed

    def compose(self) -> ComposeResult:
        yield LiveHeartRate(self.feed, zone_bounds=ZONES, id="live")


async def test_panel_shows_heart_rate_zone_contact_and_battery():
    feed = LiveFeed()
    app = Host(feed)
    async with app.run_test(size=(60, 10)) as pilot:
        panel = app.query_one("#live", LiveHeartRate)
        feed.publish(ConnectionUpdate("AA:01", 1, "connected"))
        feed.publish(BatteryUpdate("AA:01", 2, 76))
        feed.publish(HeartRateUpdate("AA:01", 3, 150, True, (400.0,)))
        await pilot.pause()

        text = str(panel.render())
        assert panel.reading.bpm == 150
        assert panel.reading.zone == 4
        assert "150 bpm" in text
        assert "zone 4" in text
        assert panel.border_title == "Live AA:01"
        assert "76 %" in text
        assert "contact ok" in text
        assert not panel.has_class("no-contact")

        feed.publish(HeartRateUpdate("AA:01", 4, None, False))
        await pilot.pause()

        assert "-- bpm" in str(panel.render())
        assert "NO CONTACT" in str(panel.render())
        assert panel.has_class("no-contact")


async def test_panel_can_follow_one_sensor_only():
    feed = LiveFeed()

    class TwoSensors(App[None]):
        def compose(self) -> ComposeResult:
            yield LiveHeartRate(feed, ZONES, address="B", id="b")

    app = TwoSensors()
    async with app.run_test() as pilot:
        feed.publish(HeartRateUpdate("A", 1, 70, True))
        feed.publish(HeartRateUpdate("B", 1, 160, True))
        feed.publish(HeartRateUpdate("A", 2, 71, True))
        await pilot.pause()

        assert app.query_one("#b", LiveHeartRate).reading.bpm == 160
