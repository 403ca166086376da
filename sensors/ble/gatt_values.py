"""Decoders for the other characteristics a heart-rate sensor offers.

Body Sensor Location (0x2A38), Battery Level (0x2A19) and the Device Information
strings (service 0x180A). Like `sensors.ble.hrm`, they are pure and raise
`MalformedNotificationError` for a value that does not match its specification.
"""

from __future__ import annotations

from dataclasses import dataclass

from sensors.errors import MalformedNotificationError

BODY_SENSOR_LOCATIONS = (
    "other",
    "chest",
    "wrist",
    "finger",
    "hand",
    "ear_lobe",
    "foot",
)
"""Body Sensor Location values 0-6; higher values are reserved."""


@dataclass(frozen=True, slots=True)
class DeviceInformation:
    """The Device Information strings a sensor offers (each may be missing)."""

    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    hardware_revision: str | None = None
    firmware_revision: str | None = None
    software_revision: str | None = None


def parse_body_sensor_location(payload: bytes) -> str:
    """Decode Body Sensor Location: "chest", "wrist", ... or "reserved_<n>".

    Raises:
        MalformedNotificationError: The value is not exactly one byte.
    """
    data = bytes(payload)
    if len(data) != 1:
        raise MalformedNotificationError("Body sensor location must be one byte", data)
    code = data[0]
    return (
        BODY_SENSOR_LOCATIONS[code]
        if code < len(BODY_SENSOR_LOCATIONS)
        else f"reserved_{code}"
    )


def parse_battery_level(payload: bytes) -> int:
    """Decode Battery Level, percent 0-100.

    Raises:
        MalformedNotificationError: The value is not one byte, or above 100.
    """
    data = bytes(payload)
    if len(data) != 1:
        raise MalformedNotificationError("Battery level must be one byte", data)
    if data[0] > 100:
        raise MalformedNotificationError(
            f"Battery level {data[0]} % is above 100", data
        )
    return data[0]


def parse_device_string(payload: bytes) -> str | None:
    """Decode a Device Information string (UTF-8); None when it is empty.

    Some sensors pad these strings with NUL bytes or send invalid UTF-8; padding
    is stripped and undecodable bytes are replaced rather than rejected, since the
    strings only label the device.
    """
    text = bytes(payload).rstrip(b"\x00").decode("utf-8", errors="replace").strip()
    return text or None
