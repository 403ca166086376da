"""Read what a connected heart-rate sensor says about itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sensors.ble.gatt_values import (
    DeviceInformation,
    parse_battery_level,
    parse_body_sensor_location,
    parse_device_string,
)
from sensors.ble.link import GattConnection
from sensors.ble.uuids import (
    BATTERY_LEVEL,
    BODY_SENSOR_LOCATION,
    DEVICE_INFORMATION_STRINGS,
)
from sensors.errors import MalformedNotificationError

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SensorDetails:
    """Static facts about a sensor, read once per connection."""

    info: DeviceInformation = field(default_factory=DeviceInformation)
    body_location: str | None = None
    battery_percent: int | None = None


async def read_sensor_details(connection: GattConnection) -> SensorDetails:
    """Read Device Information, Body Sensor Location and Battery Level.

    Characteristics the sensor does not offer are left as None; a malformed
    value is logged with its bytes and left as None too.

    Raises:
        BluetoothError: A read failed or the link dropped.
    """
    strings = {
        name: parse_device_string(raw)
        for name, uuid in DEVICE_INFORMATION_STRINGS.items()
        if (raw := await connection.read(uuid)) is not None
    }
    location = await _read_decoded(
        connection, BODY_SENSOR_LOCATION, parse_body_sensor_location
    )
    battery = await _read_decoded(connection, BATTERY_LEVEL, parse_battery_level)
    return SensorDetails(DeviceInformation(**strings), location, battery)


async def _read_decoded(
    connection: GattConnection, uuid: str, decode: Callable[[bytes], _T]
) -> _T | None:
    raw = await connection.read(uuid)
    if raw is None:
        return None
    try:
        return decode(raw)
    except MalformedNotificationError as exc:
        logger.warning("%s: ignoring %s", connection.address, exc)
        return None
