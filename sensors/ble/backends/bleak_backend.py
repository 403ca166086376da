"""The default backend: bleak (BlueZ on Linux, CoreBluetooth on macOS, WinRT on Windows).

Every `connect` builds a new `BleakClient`, and `close` stops each notification
before disconnecting. The same client reused after a dropout either delivers
every notification twice (BlueZ, WinRT) or refuses the second `start_notify`
(macOS): SEN-06.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import bleak
from bleak.exc import BleakError

from sensors.ble.link import Advertisement, NotificationHandler
from sensors.ble.uuids import normalize_uuid
from sensors.errors import BluetoothError, BluetoothUnavailableError, ConnectFailedError

logger = logging.getLogger(__name__)

_UNAVAILABLE_HINTS = {
    "POWERED_OFF": "Bluetooth is switched off: switch it on and retry.",
    "DENIED_BY_USER": "Bluetooth access was denied: allow it for your terminal in the "
    "system settings (see README, 'Bluetooth setup').",
    "DENIED_BY_SYSTEM": "The system does not allow Bluetooth here (policy or sandbox).",
    "NO_BLUETOOTH": "This machine has no Bluetooth adapter: plug one in, or use a USB "
    "dongle with --backend bumble --transport usb:0.",
}


class BleakBackend:
    """Scan and connect through bleak.

    Args:
        client_class: The `BleakClient` class (tests pass a fake with the same API).
        scanner_class: The `BleakScanner` class (likewise).
    """

    name = "bleak"

    def __init__(self, client_class: Any = None, scanner_class: Any = None) -> None:
        self._client_class = client_class or bleak.BleakClient
        self._scanner_class = scanner_class or bleak.BleakScanner

    async def scan(self, timeout_s: float) -> list[Advertisement]:
        """Listen for `timeout_s` seconds; one entry per device seen."""
        try:
            found = await self._scanner_class.discover(
                timeout=timeout_s, return_adv=True
            )
        except BleakError as exc:
            raise _translate(exc, "Scanning failed") from exc
        except OSError as exc:  # BlueZ's D-Bus socket missing, adapter gone
            raise _no_service(exc, "Scanning failed") from exc
        return [
            Advertisement(
                address=device.address,
                name=adv.local_name or device.name,
                rssi=adv.rssi,
                service_uuids=tuple(normalize_uuid(u) for u in adv.service_uuids),
            )
            for device, adv in found.values()
        ]

    async def close(self) -> None:
        """Nothing to release: bleak owns the adapter."""

    async def connect(self, address: str, timeout_s: float) -> BleakConnection:
        """Connect with a new client; see the module docstring for why new."""
        link_down = asyncio.Event()
        client = self._client_class(
            address,
            disconnected_callback=lambda _client: link_down.set(),
            timeout=timeout_s,
        )
        try:
            await client.connect()
        except (BleakError, TimeoutError) as exc:
            raise _translate(exc, f"Cannot connect to {address}") from exc
        except OSError as exc:
            raise _no_service(exc, f"Cannot connect to {address}") from exc
        logger.info("Connected to %s (bleak)", address)
        return BleakConnection(address, client, link_down)


class BleakConnection:
    """One bleak client's connection."""

    def __init__(self, address: str, client: Any, link_down: asyncio.Event) -> None:
        self._address = address
        self._client = client
        self._link_down = link_down
        self._subscribed: set[str] = set()
        self._closed = False

    @property
    def address(self) -> str:
        """The sensor's address."""
        return self._address

    def _offers(self, uuid: str) -> bool:
        return self._client.services.get_characteristic(uuid) is not None

    async def read(self, characteristic_uuid: str) -> bytes | None:
        """Read a characteristic; None if the sensor does not offer it."""
        if not self._offers(characteristic_uuid):
            return None
        try:
            return bytes(await self._client.read_gatt_char(characteristic_uuid))
        except BleakError as exc:
            raise BluetoothError(
                f"{self._address}: reading {characteristic_uuid} failed: {exc}"
            ) from exc

    async def subscribe(
        self, characteristic_uuid: str, handler: NotificationHandler
    ) -> bool:
        """Start notifications once per characteristic on this connection."""
        if characteristic_uuid in self._subscribed:
            return True
        if not self._offers(characteristic_uuid):
            return False
        try:
            await self._client.start_notify(
                characteristic_uuid, lambda _char, data: handler(bytes(data))
            )
        except (BleakError, ValueError) as exc:  # CoreBluetooth raises ValueError
            raise BluetoothError(
                f"{self._address}: subscribing to {characteristic_uuid} failed: {exc}"
            ) from exc
        self._subscribed.add(characteristic_uuid)
        return True

    async def wait_disconnected(self) -> None:
        """Return once bleak reports the link down."""
        await self._link_down.wait()

    async def close(self) -> None:
        """Stop every notification (even after a dropout), then disconnect."""
        if self._closed:
            return
        self._closed = True
        for uuid in sorted(self._subscribed):
            try:
                await self._client.stop_notify(uuid)
            except (BleakError, OSError, ValueError) as exc:
                # After a dropout the stack may refuse; the client is discarded anyway.
                logger.debug("%s: stop_notify(%s) failed: %s", self._address, uuid, exc)
        self._subscribed.clear()
        try:
            await self._client.disconnect()
        except (BleakError, OSError) as exc:
            logger.debug("%s: disconnect failed: %s", self._address, exc)
        self._link_down.set()


def _no_service(exc: OSError, what: str) -> BluetoothUnavailableError:
    return BluetoothUnavailableError(
        f"{what}: the system's Bluetooth service is not reachable ({exc}). On Linux "
        "start BlueZ (sudo systemctl start bluetooth) and check 'bluetoothctl show' "
        "lists an adapter; or use a USB dongle with --backend bumble --transport usb:0."
    )


def _translate(exc: BaseException, what: str) -> BluetoothError:
    reason = getattr(getattr(exc, "reason", None), "name", None)
    if reason is not None:
        hint = _UNAVAILABLE_HINTS.get(
            reason, "Check that Bluetooth is on and permitted."
        )
        return BluetoothUnavailableError(f"{what}: {hint} ({exc})")
    return ConnectFailedError(f"{what}: {exc or type(exc).__name__}")
