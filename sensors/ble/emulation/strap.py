"""A heart-rate chest strap emulated on bumble's virtual controllers.

`VirtualRadio` is an in-process link with any number of virtual controllers;
`EmulatedStrap` is a peripheral on it with a real GATT server (Heart Rate,
Battery, Device Information), advertising the Heart Rate service like a strap.
A central made by `VirtualRadio.central_backend` connects to it over the full
bumble stack: HCI, link layer, L2CAP, ATT, GATT. Only the radio is missing.

The strap counts what it really delivered: a notification counts as sent only
when a connected central had enabled it, so tests can compare both sides.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bumble import gatt
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from sensors.ble.backends.bumble_backend import BumbleBackend
from sensors.ble.gatt_values import DeviceInformation
from sensors.ble.hrm import parse_heart_rate_measurement
from sensors.errors import MalformedNotificationError

logger = logging.getLogger(__name__)

ADVERTISING_INTERVAL_MS = 20
"""Fast advertising, so a central waiting to reconnect finds the strap at once."""


class VirtualRadio:
    """An in-process BLE link; each device on it gets its own virtual controller."""

    def __init__(self) -> None:
        self.link = LocalLink()  # type: ignore[no-untyped-call]
        self._count = 0

    def device(self, name: str, address: str | None = None) -> Device:
        """A new device with its own controller on this link (not powered on)."""
        self._count += 1
        address = address or f"F1:00:00:00:00:{self._count:02X}"
        controller = Controller(
            f"controller-{name}", link=self.link, public_address=address
        )
        return Device(
            name=name,
            address=Address(address),
            host=Host(controller, AsyncPipeSink(controller)),
        )

    async def central_backend(self, name: str = "fitlearn") -> BumbleBackend:
        """A powered-on central on this link, as a recorder backend."""
        device = self.device(name)
        await device.power_on()
        return BumbleBackend(device)


@dataclass
class StrapCounters:
    """What the strap delivered to a subscribed central."""

    notifications_sent: int = 0
    beats_sent: int = 0
    notifications_unsent: int = 0
    """Notifications produced while no central was subscribed (not delivered)."""
    beats_unsent: int = 0
    sent_payloads: list[bytes] = field(default_factory=list)


class EmulatedStrap:
    """A heart-rate strap peripheral on a `VirtualRadio`.

    Args:
        radio: The link to live on.
        name: Advertised local name.
        address: Its static random address ("C0:..." style string).
        info: Device Information strings to offer.
        body_location: Body Sensor Location code (1 = chest).
        battery_percent: Initial battery level.
        keep_payloads: Remember every delivered payload (tests compare them).
    """

    def __init__(
        self,
        radio: VirtualRadio,
        name: str = "Emulated HRM",
        address: str = "C0:FF:EE:00:00:01",
        info: DeviceInformation | None = None,
        body_location: int = 1,
        battery_percent: int = 90,
        keep_payloads: bool = False,
    ) -> None:
        self.name = name
        self.address = address
        self.counters = StrapCounters()
        self._keep_payloads = keep_payloads
        self._device = radio.device(name, address)
        self._hrm = gatt.Characteristic(
            gatt.GATT_HEART_RATE_MEASUREMENT_CHARACTERISTIC,
            gatt.Characteristic.Properties.NOTIFY,
            gatt.Characteristic.Permissions(0),
            b"",
        )
        self._battery = gatt.Characteristic(
            gatt.GATT_BATTERY_LEVEL_CHARACTERISTIC,
            gatt.Characteristic.Properties.READ | gatt.Characteristic.Properties.NOTIFY,
            gatt.Characteristic.READABLE,
            bytes([battery_percent]),
        )
        self._add_services(
            info or DeviceInformation("Fitlearn Labs", "HRM-EMU", "0001"), body_location
        )
        self._device.advertising_data = bytes(
            AdvertisingData(
                [
                    (AdvertisingData.COMPLETE_LOCAL_NAME, name.encode()),
                    (
                        AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                        bytes(gatt.GATT_HEART_RATE_SERVICE)
                        + bytes(gatt.GATT_BATTERY_SERVICE),
                    ),
                ]
            )
        )

    def _add_services(self, info: DeviceInformation, body_location: int) -> None:
        readable = gatt.Characteristic.Properties.READ
        location = gatt.Characteristic(
            gatt.GATT_BODY_SENSOR_LOCATION_CHARACTERISTIC,
            readable,
            gatt.Characteristic.READABLE,
            bytes([body_location]),
        )
        strings = [
            (gatt.GATT_MANUFACTURER_NAME_STRING_CHARACTERISTIC, info.manufacturer),
            (gatt.GATT_MODEL_NUMBER_STRING_CHARACTERISTIC, info.model),
            (gatt.GATT_SERIAL_NUMBER_STRING_CHARACTERISTIC, info.serial),
            (gatt.GATT_FIRMWARE_REVISION_STRING_CHARACTERISTIC, info.firmware_revision),
        ]
        self._device.add_services(
            [
                gatt.Service(gatt.GATT_HEART_RATE_SERVICE, [self._hrm, location]),
                gatt.Service(gatt.GATT_BATTERY_SERVICE, [self._battery]),
                gatt.Service(
                    gatt.GATT_DEVICE_INFORMATION_SERVICE,
                    [
                        gatt.Characteristic(
                            uuid, readable, gatt.Characteristic.READABLE, text.encode()
                        )
                        for uuid, text in strings
                        if text is not None
                    ],
                ),
            ]
        )

    async def start(self) -> None:
        """Power on and start advertising."""
        await self._device.power_on()
        await self.advertise()

    async def advertise(self) -> None:
        """(Re)start connectable advertising: the strap is in range and awake."""
        await self._device.start_advertising(
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )

    @property
    def connected(self) -> bool:
        """Whether a central is connected."""
        return bool(self._device.connections)

    def _subscribed(self, characteristic: gatt.Characteristic[bytes]) -> bool:
        for cccds in self._device.gatt_server.subscribers.values():
            cccd = cccds.get(characteristic.handle)
            if cccd and len(cccd) == 2 and cccd[0] & 0x01:
                return True
        return False

    @property
    def heart_rate_subscribed(self) -> bool:
        """Whether a connected central has enabled heart-rate notifications."""
        return self._subscribed(self._hrm)

    async def notify_heart_rate(self, payload: bytes) -> bool:
        """Send one Heart Rate Measurement value; True if a central received it.

        Well-formed payloads add their RR intervals to the beat counters; a
        deliberately malformed one counts as a notification only.
        """
        beats = _beats_in(payload)
        if not self.heart_rate_subscribed:
            self.counters.notifications_unsent += 1
            self.counters.beats_unsent += beats
            return False
        await self._device.notify_subscribers(self._hrm, payload)
        self.counters.notifications_sent += 1
        self.counters.beats_sent += beats
        if self._keep_payloads:
            self.counters.sent_payloads.append(payload)
        return True

    async def set_battery(self, percent: int) -> None:
        """Change the battery level and notify a subscribed central."""
        self._battery.value = bytes([percent])
        if self._subscribed(self._battery):
            await self._device.notify_subscribers(self._battery, bytes([percent]))

    async def drop_link(self) -> None:
        """Go out of range: disconnect every central and stop advertising."""
        await self._device.stop_advertising()
        for connection in list(self._device.connections.values()):
            await connection.disconnect()
        logger.info("Emulated strap %s dropped the link", self.address)

    async def wait_subscribed(self, timeout_s: float = 5.0) -> None:
        """Wait until a central has enabled heart-rate notifications."""
        async with asyncio.timeout(timeout_s):
            while not self.heart_rate_subscribed:
                await asyncio.sleep(0.001)


def _beats_in(payload: bytes) -> int:
    try:
        return len(parse_heart_rate_measurement(payload).rr_raw)
    except MalformedNotificationError:  # a test's deliberate garbage carries no beat
        return 0
