"""Bluetooth SIG UUIDs the heart-rate recorder uses, in their 128-bit form.

Backends compare UUIDs as lowercase 128-bit strings, the form bleak reports;
`full_uuid` expands a 16-bit SIG number to it.
"""

from __future__ import annotations

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def full_uuid(short: int) -> str:
    """Expand a 16-bit SIG-assigned number (0x180D) to its 128-bit UUID string.

    Example: `full_uuid(0x2A37)` is `"00002a37-0000-1000-8000-00805f9b34fb"`.
    """
    return f"0000{short:04x}{BASE_UUID_SUFFIX}"


def normalize_uuid(uuid: str) -> str:
    """A UUID as a lowercase 128-bit string; 4-hex-digit SIG numbers are expanded."""
    text = uuid.strip().lower()
    if len(text) == 4:
        return full_uuid(int(text, 16))
    return text


HEART_RATE_SERVICE = full_uuid(0x180D)
HEART_RATE_MEASUREMENT = full_uuid(0x2A37)
BODY_SENSOR_LOCATION = full_uuid(0x2A38)
BATTERY_SERVICE = full_uuid(0x180F)
BATTERY_LEVEL = full_uuid(0x2A19)
DEVICE_INFORMATION_SERVICE = full_uuid(0x180A)

DEVICE_INFORMATION_STRINGS: dict[str, str] = {
    "manufacturer": full_uuid(0x2A29),
    "model": full_uuid(0x2A24),
    "serial": full_uuid(0x2A25),
    "hardware_revision": full_uuid(0x2A27),
    "firmware_revision": full_uuid(0x2A26),
    "software_revision": full_uuid(0x2A28),
}
"""Device Information string characteristics, by the field they fill."""
