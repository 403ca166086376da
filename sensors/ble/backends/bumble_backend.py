"""The second backend: the bumble Bluetooth stack, running in this process.

bumble drives a controller directly over HCI, so it works with a USB dongle the
operating system does not own (`usb:0`, see the README), with a serial HCI
adapter, or with bumble's virtual controllers on an in-process link, which is
how the tests and `fitlearn record --emulate` run a real BLE stack without a
radio.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as std_uuid
from typing import Any

from bumble import core, gatt_client
from bumble.device import Connection, Device, Peer
from bumble.hci import Address

from sensors.ble.link import Advertisement, NotificationHandler
from sensors.errors import BluetoothError, BluetoothUnavailableError, ConnectFailedError

logger = logging.getLogger(__name__)


class BumbleBackend:
    """Scan and connect through a powered-on bumble `Device` acting as central.

    Args:
        device: The central; `open_bumble_backend` makes one for a dongle.
        transport: The transport to close with the backend, if it owns one.
    """

    name = "bumble"

    def __init__(self, device: Device, transport: Any = None) -> None:
        self._device = device
        self._transport = transport
        self._seen: dict[str, Advertisement] = {}
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._scan_users = 0
        self._scan_lock = asyncio.Lock()
        # A controller initiates one LE connection at a time.
        self._connect_lock = asyncio.Lock()
        device.on(device.EVENT_ADVERTISEMENT, self._on_advertisement)

    async def close(self) -> None:
        """Close the HCI transport this backend opened, if any."""
        if self._transport is not None:
            await self._transport.close()
            self._transport = None

    def _on_advertisement(self, adv: Any) -> None:
        address = str(adv.address)
        self._seen[address] = _advertisement(adv)
        if adv.is_connectable:
            for waiter in self._waiters.pop(address, []):
                if not waiter.done():
                    waiter.set_result(None)

    async def _scanning(self, delta: int) -> None:
        async with self._scan_lock:
            before, self._scan_users = self._scan_users, self._scan_users + delta
            try:
                if before == 0 and self._scan_users > 0:
                    await self._device.start_scanning(filter_duplicates=False)
                elif before > 0 and self._scan_users == 0:
                    await self._device.stop_scanning()
            except core.BaseBumbleError as exc:
                raise BluetoothError(f"Scanning failed: {exc}") from exc

    async def scan(self, timeout_s: float) -> list[Advertisement]:
        """Listen for `timeout_s` seconds; the last advertisement per address wins."""
        self._seen.clear()
        await self._scanning(+1)
        try:
            await asyncio.sleep(timeout_s)
        finally:
            await self._scanning(-1)
        return list(self._seen.values())

    async def _wait_advertising(self, address: str) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(address, []).append(waiter)
        await self._scanning(+1)
        try:
            await waiter
        finally:
            await self._scanning(-1)
            if waiter in self._waiters.get(address, []):
                self._waiters[address].remove(waiter)

    async def connect(self, address: str, timeout_s: float) -> BumbleConnection:
        """Wait for the sensor to advertise, connect, discover its services.

        Waiting for an advertisement first (instead of a pending LE Create
        Connection) lets several sensors wait at once on one controller.
        """
        target = Address(address)
        try:
            async with asyncio.timeout(timeout_s):
                await self._wait_advertising(str(target))
                async with self._connect_lock:
                    connection = await self._device.connect(target, timeout=timeout_s)
        except (core.BaseBumbleError, TimeoutError, ValueError) as exc:
            raise ConnectFailedError(
                f"Cannot connect to {address}: {exc or 'timed out'}"
            ) from exc
        link = BumbleConnection(address, connection)
        try:
            await link.discover()
        except BluetoothError:
            await link.close()
            raise
        logger.info("Connected to %s (bumble)", address)
        return link


class BumbleConnection:
    """One bumble GATT connection, discovered once on connect."""

    def __init__(self, address: str, connection: Connection) -> None:
        self._address = address
        self._connection = connection
        self._peer = Peer(connection)
        self._link_down = asyncio.Event()
        self._subscriptions: dict[
            str, tuple[gatt_client.CharacteristicProxy[Any], Any]
        ] = {}
        self._closed = False
        connection.on(connection.EVENT_DISCONNECTION, lambda *_: self._link_down.set())

    @property
    def address(self) -> str:
        """The sensor's address."""
        return self._address

    async def discover(self) -> None:
        """Discover services and their characteristics."""
        try:
            await self._peer.discover_services()
            for service in self._peer.services:
                await service.discover_characteristics()
        except (core.BaseBumbleError, TimeoutError) as exc:
            raise ConnectFailedError(
                f"{self._address}: service discovery failed: {exc}"
            ) from exc

    def _characteristic(self, uuid: str) -> gatt_client.CharacteristicProxy[Any] | None:
        for service in self._peer.services:
            for characteristic in service.characteristics:
                if uuid_text(characteristic.uuid) == uuid:
                    return characteristic
        return None

    async def read(self, characteristic_uuid: str) -> bytes | None:
        """Read a characteristic; None if the sensor does not offer it."""
        characteristic = self._characteristic(characteristic_uuid)
        if characteristic is None:
            return None
        try:
            return bytes(await self._peer.read_value(characteristic))
        except (core.BaseBumbleError, TimeoutError) as exc:
            raise BluetoothError(
                f"{self._address}: reading {characteristic_uuid} failed: {exc}"
            ) from exc

    async def subscribe(
        self, characteristic_uuid: str, handler: NotificationHandler
    ) -> bool:
        """Subscribe once per characteristic on this connection."""
        if characteristic_uuid in self._subscriptions:
            return True
        characteristic = self._characteristic(characteristic_uuid)
        if characteristic is None:
            return False

        def deliver(value: bytes) -> None:
            handler(bytes(value))

        try:
            await self._peer.subscribe(characteristic, deliver)
        except (core.BaseBumbleError, TimeoutError) as exc:
            raise BluetoothError(
                f"{self._address}: subscribing to {characteristic_uuid} failed: {exc}"
            ) from exc
        self._subscriptions[characteristic_uuid] = (characteristic, deliver)
        return True

    async def wait_disconnected(self) -> None:
        """Return once the link is down."""
        await self._link_down.wait()

    async def close(self) -> None:
        """Unsubscribe while the link is up, then disconnect."""
        if self._closed:
            return
        self._closed = True
        if not self._link_down.is_set():
            for characteristic, deliver in self._subscriptions.values():
                try:
                    await self._peer.unsubscribe(characteristic, deliver)
                except (core.BaseBumbleError, TimeoutError) as exc:
                    logger.debug("%s: unsubscribe failed: %s", self._address, exc)
            try:
                await self._connection.disconnect()
            except (core.BaseBumbleError, TimeoutError) as exc:
                logger.debug("%s: disconnect failed: %s", self._address, exc)
        self._subscriptions.clear()
        self._link_down.set()


def uuid_text(uuid: core.UUID) -> str:
    """A bumble UUID as the lowercase 128-bit string the link protocols use."""
    little_endian = uuid.to_bytes(force_128=True)
    return str(std_uuid.UUID(bytes=bytes(reversed(little_endian))))


def _advertisement(adv: Any) -> Advertisement:
    data = adv.data
    name = data.get(data.COMPLETE_LOCAL_NAME) or data.get(data.SHORTENED_LOCAL_NAME)
    uuids: list[str] = []
    for kind in (
        data.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        data.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        data.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
        data.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    ):
        uuids.extend(uuid_text(u) for u in data.get(kind) or ())
    return Advertisement(
        address=str(adv.address),
        name=name.decode("utf-8", "replace") if isinstance(name, bytes) else name,
        rssi=adv.rssi,
        service_uuids=tuple(uuids),
    )


async def open_bumble_backend(transport_spec: str) -> BumbleBackend:
    """Open an HCI transport (e.g. `usb:0`) and power on a central on it.

    Raises:
        BluetoothUnavailableError: The transport cannot be opened.
    """
    from bumble.transport import open_transport

    try:
        transport = await open_transport(transport_spec)
    except Exception as exc:  # USB, serial and socket layers each raise their own kinds
        raise BluetoothUnavailableError(
            f"Cannot open the Bluetooth transport {transport_spec!r}: {exc}. Check the "
            "dongle is plugged in and not claimed by the operating system (README, "
            "'USB dongle with bumble')."
        ) from exc
    device = Device.with_hci(
        "fitlearn", Address("F0:F1:F2:F3:F4:F5"), transport.source, transport.sink
    )
    await device.power_on()
    return BumbleBackend(device, transport)
