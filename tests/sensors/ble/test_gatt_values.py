"""Body Sensor Location, Battery Level and Device Information decoding.

Emulation level: none needed (pure functions on characteristic values).
"""

from __future__ import annotations

import pytest

from sensors.ble.gatt_values import (
    parse_battery_level,
    parse_body_sensor_location,
    parse_device_string,
)
from sensors.errors import MalformedNotificationError


@pytest.mark.parametrize(
    ("code", "name"),
    [(0, "other"), (1, "chest"), (2, "wrist"), (6, "foot"), (9, "reserved_9")],
)
def test_body_sensor_location(code, name):
    assert parse_body_sensor_location(bytes([code])) == name


@pytest.mark.parametrize("payload", [b"", b"\x01\x02"])
def test_body_sensor_location_must_be_one_byte(payload):
    with pytest.raises(MalformedNotificationError):
        parse_body_sensor_location(payload)


def test_battery_level():
    assert parse_battery_level(b"\x00") == 0
    assert parse_battery_level(b"\x64") == 100


@pytest.mark.parametrize("payload", [b"", b"\x65", b"\x10\x00"])
def test_battery_level_out_of_spec_is_malformed(payload):
    with pytest.raises(MalformedNotificationError):
        parse_battery_level(payload)


@pytest.mark.parametrize(
    ("payload", "text"),
    [
        (b"Polar Electro Oy", "Polar Electro Oy"),
        (b"H10\x00\x00", "H10"),
        (b"", None),
        (b"\x00", None),
        (b"A\xffB", "A\ufffdB"),
    ],
)
def test_device_strings(payload, text):
    assert parse_device_string(payload) == text
