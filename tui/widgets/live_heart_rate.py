"""A dashboard panel with live heart rate, zone, sensor contact and battery.

It reads the recorder's `LiveFeed` (same process, same event loop) through its
own subscription, so a slow screen never slows the recorder. The logic that
decides what to show (`LiveReading`, `zone_of`) is plain Python, tested without
an app; the widget only renders it.

Mount it with the recorder's feed and the person's zone bounds:

    from fitlearn.features.session import zone_bounds_bpm
    yield LiveHeartRate(recorder.feed, zone_bounds=zone_bounds_bpm(profile))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from textual.reactive import reactive
from textual.widgets import Static

from fitlearn.features.session import zone_of
from fitlearn.recording import (
    BatteryUpdate,
    ConnectionUpdate,
    HeartRateUpdate,
    LiveEvent,
    LiveFeed,
    LiveSubscription,
)


@dataclass(frozen=True)
class LiveReading:
    """What the panel shows; built up event by event."""

    address: str | None = None
    bpm: int | None = None
    contact: bool | None = None
    zone: int | None = None
    battery_percent: int | None = None
    link: str = "waiting"

    def apply(
        self, event: LiveEvent, bounds: Sequence[tuple[float, float]]
    ) -> LiveReading:
        """The reading after one event."""
        if isinstance(event, HeartRateUpdate):
            return replace(
                self,
                address=event.address,
                bpm=event.bpm,
                contact=event.contact,
                zone=zone_of(event.bpm, bounds),
                link="connected",
            )
        if isinstance(event, BatteryUpdate):
            return replace(self, address=event.address, battery_percent=event.percent)
        if isinstance(event, ConnectionUpdate):
            lost = event.state in ("disconnected", "stopped")
            return replace(
                self,
                address=event.address,
                link=event.state,
                bpm=None if lost else self.bpm,
                zone=None if lost else self.zone,
            )
        return self

    def lines(self) -> list[str]:
        """The panel's text: three lines that fit a 32-column panel."""
        heart = f"{self.bpm} bpm" if self.bpm is not None else "-- bpm"
        zone = f"zone {self.zone}" if self.zone is not None else "zone -"
        contact = {
            True: "contact ok",
            False: "NO CONTACT: wet the strap pads",
            None: "contact n/a",
        }[self.contact]
        battery = (
            f"{self.battery_percent} %" if self.battery_percent is not None else "?"
        )
        return [f"{heart}  {zone}", contact, f"battery {battery}  {self.link}"]


class LiveHeartRate(Static):
    """Live heart rate, zone, contact and battery of one sensor.

    Args:
        feed: The recorder's live feed.
        zone_bounds: (low, high) bpm of zones 1-5 (`zone_bounds_bpm(profile)`);
            None shows no zone.
        address: Show only this sensor (default: whichever sends).
        name: Textual widget name.
        id: Textual widget id.
        classes: Textual CSS classes.
    """

    DEFAULT_CSS = """
    LiveHeartRate {
        border: round $accent;
        padding: 0 1;
        height: auto;
    }
    LiveHeartRate.no-contact {
        border: round $warning;
    }
    """

    reading: reactive[LiveReading] = reactive(LiveReading, always_update=True)
    """The current reading; every change re-renders the panel."""

    def __init__(
        self,
        feed: LiveFeed,
        zone_bounds: Sequence[tuple[float, float]] | None = None,
        address: str | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._feed = feed
        self._bounds = list(zone_bounds or [])
        self._address = address
        self._subscription: LiveSubscription | None = None

    def on_mount(self) -> None:
        """Subscribe and start reading events."""
        self._subscription = self._feed.subscribe()
        self.run_worker(
            self._follow(self._subscription), exclusive=True, group="live-hr"
        )

    def on_unmount(self) -> None:
        """Stop the subscription."""
        if self._subscription is not None:
            self._subscription.close()

    async def _follow(self, subscription: LiveSubscription) -> None:
        async for event in subscription:
            if self._address is None or event.address == self._address:
                self.reading = self.reading.apply(event, self._bounds)

    def watch_reading(self, reading: LiveReading) -> None:
        """Re-render and flag lost contact."""
        self.set_class(reading.contact is False, "no-contact")
        self.border_title = f"Live {reading.address}" if reading.address else "Live"
        self.update("\n".join(reading.lines()))
