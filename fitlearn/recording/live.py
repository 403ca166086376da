"""The live stream of decoded measurements, for subscribers in the same process.

The recorder publishes every event it stores (and connection changes) to a
`LiveFeed`. The dashboard and the trainer read it through a `LiveSubscription`
(an async iterator) or a plain callback. Publishing never waits: a subscriber
that falls behind loses its oldest events, never the recorder's data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 512


@dataclass(frozen=True, slots=True)
class HeartRateUpdate:
    """One decoded heart-rate notification.

    Attributes:
        address: The sensor.
        t_ms: Receive time, UTC ms.
        bpm: Heart rate, or None without skin contact.
        contact: Sensor contact (None: the sensor cannot tell).
        rr_ms: RR intervals in the notification, oldest first.
        energy_kj: The sensor's energy counter, if it sends one.
    """

    address: str
    t_ms: int
    bpm: int | None
    contact: bool | None
    rr_ms: tuple[float, ...] = ()
    energy_kj: int | None = None


@dataclass(frozen=True, slots=True)
class BatteryUpdate:
    """A battery reading or notification, percent."""

    address: str
    t_ms: int
    percent: int


ConnectionState = Literal["connecting", "connected", "disconnected", "stopped"]


@dataclass(frozen=True, slots=True)
class ConnectionUpdate:
    """A sensor's link changed state."""

    address: str
    t_ms: int
    state: ConnectionState
    detail: str = ""


LiveEvent = HeartRateUpdate | BatteryUpdate | ConnectionUpdate
Listener = Callable[[LiveEvent], None]


class LiveSubscription:
    """Events of one subscriber, in order; iterate with `async for`.

    Args:
        feed: The feed it belongs to.
        max_queued: Events kept for a slow reader before the oldest are dropped.
    """

    def __init__(self, feed: LiveFeed, max_queued: int) -> None:
        self._feed = feed
        self._queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(max_queued)
        self.dropped = 0
        """Events lost because this subscriber read too slowly."""
        self._closed = False

    def _put(self, event: LiveEvent | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    def close(self) -> None:
        """Stop receiving; `async for` ends after the events already queued."""
        self._feed._detach(self)
        self._closed = True
        if self._queue.empty():
            self._queue.put_nowait(None)  # wakes a reader waiting for the next event

    def __aiter__(self) -> LiveSubscription:
        return self

    async def __anext__(self) -> LiveEvent:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        return event


class LiveFeed:
    """Fan-out of live events to any number of in-process subscribers."""

    def __init__(self) -> None:
        self._subscriptions: list[LiveSubscription] = []
        self._listeners: list[Listener] = []

    def subscribe(self, max_queued: int = DEFAULT_QUEUE_SIZE) -> LiveSubscription:
        """A new subscription; call its `close` when done."""
        subscription = LiveSubscription(self, max_queued)
        self._subscriptions.append(subscription)
        return subscription

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` for each event; returns a function that removes it.

        The listener runs inside the recorder's event loop and must return
        quickly; an exception it raises is logged and does not stop recording.
        """
        self._listeners.append(listener)
        return lambda: (
            self._listeners.remove(listener) if listener in self._listeners else None
        )

    def publish(self, event: LiveEvent) -> None:
        """Hand an event to every subscriber and listener, without waiting."""
        for subscription in self._subscriptions:
            subscription._put(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                logger.exception("A live-feed listener failed; it stays subscribed")

    def close(self) -> None:
        """End every subscription (their `async for` loops finish)."""
        for subscription in list(self._subscriptions):
            subscription.close()

    def _detach(self, subscription: LiveSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
