"""The backend boundary: what every Bluetooth backend offers, and nothing more.

A backend (`sensors/ble/backends/`) scans for advertisements and opens GATT
connections. Everything above it (decoding, the recorder) sees only these
protocols, so the recorder runs unchanged on bleak, on a bumble USB dongle, or on
bumble's virtual controllers in tests.

Contract for `BleBackend.connect`: every call returns a *fresh* connection object
with no subscriptions, and `GattConnection.close` removes its subscriptions
before disconnecting. Reusing a client across reconnects is what makes stacks
deliver each notification twice or refuse to subscribe again (SEN-06).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sensors.ble.uuids import HEART_RATE_SERVICE

NotificationHandler = Callable[[bytes], None]
"""Called with each notification's value, in the event loop's thread."""


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One device seen while scanning.

    Attributes:
        address: What `connect` accepts (a MAC address; a UUID on macOS).
        name: The advertised local name, if any.
        rssi: Signal strength in dBm, if known.
        service_uuids: Advertised service UUIDs, lowercase 128-bit.
    """

    address: str
    name: str | None
    rssi: int | None
    service_uuids: tuple[str, ...] = ()

    @property
    def is_heart_rate_sensor(self) -> bool:
        """Whether the advertisement names the Heart Rate service (0x180D)."""
        return HEART_RATE_SERVICE in self.service_uuids


class GattConnection(Protocol):
    """One open connection to a sensor."""

    @property
    def address(self) -> str:
        """The sensor's address."""
        ...

    async def read(self, characteristic_uuid: str) -> bytes | None:
        """Read a characteristic; None when the sensor does not offer it.

        Raises:
            BluetoothError: The read failed or the link dropped.
        """
        ...

    async def subscribe(
        self, characteristic_uuid: str, handler: NotificationHandler
    ) -> bool:
        """Receive notifications of a characteristic; False when it is not offered.

        Subscribing twice to the same characteristic on one connection keeps a
        single registration.

        Raises:
            BluetoothError: The subscription failed or the link dropped.
        """
        ...

    async def wait_disconnected(self) -> None:
        """Return once the link is down (at once if it already is)."""
        ...

    async def close(self) -> None:
        """Unsubscribe everything, then disconnect; never raises, safe to repeat."""
        ...


class BleBackend(Protocol):
    """A Bluetooth stack that can scan and connect."""

    name: str
    """Short name for logs and the store ("bleak", "bumble")."""

    async def scan(self, timeout_s: float) -> list[Advertisement]:
        """Listen for advertisements for `timeout_s` seconds; one entry per device.

        Raises:
            BluetoothUnavailableError: No usable adapter.
        """
        ...

    async def connect(self, address: str, timeout_s: float) -> GattConnection:
        """Connect to a sensor, waiting up to `timeout_s` for it to appear.

        Raises:
            ConnectFailedError: It did not appear or the connection failed.
            BluetoothUnavailableError: No usable adapter.
        """
        ...
