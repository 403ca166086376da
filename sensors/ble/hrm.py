"""The Heart Rate Measurement characteristic (0x2A37): decoding and encoding.

Layout of one notification, every field little-endian:

    flags (uint8) | heart rate (uint8 or uint16) | [energy expended, uint16 kJ]
    | [RR interval, uint16 in 1/1024 s] ...

Flag bits: 0 = heart rate is uint16; 1 = sensor contact detected; 2 = sensor
contact supported (bit 1 means nothing without it); 3 = energy expended present;
4 = RR intervals present. Bits 5-7 are reserved and ignored.

The number of RR intervals is not in the flags: it follows from what is left
after the optional fields, so one notification may carry none, one or several
(SEN-01), oldest first. The energy field sits between the heart rate and the RR
list; a decoder that skips it reads the energy counter as a beat (SEN-03).

The decoder is pure and strict: a payload whose length does not match its flags
raises `MalformedNotificationError` and yields no values at all, because a
misaligned field would otherwise become a plausible-looking but wrong beat.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from sensors.errors import MalformedNotificationError
from sensors.plausible import is_plausible_bpm

FLAG_HR_UINT16 = 0x01
FLAG_CONTACT_DETECTED = 0x02
FLAG_CONTACT_SUPPORTED = 0x04
FLAG_ENERGY_PRESENT = 0x08
FLAG_RR_PRESENT = 0x10

ENERGY_SATURATED_KJ = 0xFFFF
"""The energy counter stops here; the spec asks the client to reset it."""
RR_UNITS_PER_SECOND = 1024


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One decoded Heart Rate Measurement notification.

    Attributes:
        bpm: Heart rate as sent. Some sensors send 0 or a stale value while they
            have no skin contact; `reading_bpm` is the value to trust.
        contact: None when the sensor cannot tell contact, else whether it has it.
        energy_kj: Cumulative energy expended since the last reset, if sent.
        rr_raw: RR intervals in the sensor's unit (1/1024 s), oldest first.
    """

    bpm: int
    contact: bool | None = None
    energy_kj: int | None = None
    rr_raw: tuple[int, ...] = ()

    @property
    def rr_ms(self) -> tuple[float, ...]:
        """RR intervals in milliseconds, oldest first."""
        return tuple(rr_raw_to_ms(raw) for raw in self.rr_raw)

    @property
    def energy_saturated(self) -> bool:
        """Whether the energy counter is stuck at its maximum (reset needed)."""
        return self.energy_kj == ENERGY_SATURATED_KJ

    @property
    def reading_bpm(self) -> int | None:
        """The heart rate as a reading, or None.

        None without contact, and for 0 or any value no heart beats at (a 16-bit
        field can carry 65535).
        """
        if self.contact is False or not is_plausible_bpm(self.bpm):
            return None
        return self.bpm


def rr_raw_to_ms(raw: int) -> float:
    """Convert an RR interval from 1/1024 s to milliseconds."""
    return raw * 1000 / RR_UNITS_PER_SECOND


def rr_ms_to_raw(rr_ms: float) -> int:
    """Convert an RR interval from milliseconds to 1/1024 s (rounded)."""
    return round(rr_ms * RR_UNITS_PER_SECOND / 1000)


def parse_heart_rate_measurement(payload: bytes) -> HeartRateMeasurement:
    """Decode one 0x2A37 notification.

    Args:
        payload: The characteristic value exactly as received.

    Returns:
        The decoded measurement.

    Raises:
        MalformedNotificationError: The payload is empty, shorter than its flags
            announce, or has bytes left that form no whole field.
    """
    data = bytes(payload)
    if not data:
        raise MalformedNotificationError("Empty heart-rate notification", data)
    flags = data[0]
    hr_size = 2 if flags & FLAG_HR_UINT16 else 1
    offset = 1 + hr_size
    if len(data) < offset:
        raise MalformedNotificationError(
            f"Heart-rate notification too short: the flags announce a {hr_size}-byte "
            f"heart rate but only {len(data)} byte(s) arrived",
            data,
        )
    bpm = int.from_bytes(data[1:offset], "little")

    energy_kj = None
    if flags & FLAG_ENERGY_PRESENT:
        if len(data) < offset + 2:
            raise MalformedNotificationError(
                "Heart-rate notification announces energy expended but lacks its 2 bytes",
                data,
            )
        energy_kj = int.from_bytes(data[offset : offset + 2], "little")
        offset += 2

    rr_raw = _rr_intervals(data, offset, flags)
    return HeartRateMeasurement(bpm, _contact(flags), energy_kj, rr_raw)


def _contact(flags: int) -> bool | None:
    if not flags & FLAG_CONTACT_SUPPORTED:
        return None
    return bool(flags & FLAG_CONTACT_DETECTED)


def _rr_intervals(data: bytes, offset: int, flags: int) -> tuple[int, ...]:
    rest = data[offset:]
    if not flags & FLAG_RR_PRESENT:
        if rest:
            raise MalformedNotificationError(
                f"Heart-rate notification has {len(rest)} byte(s) its flags do not announce",
                data,
            )
        return ()
    # RR flag set with nothing left is allowed: the energy field used the room.
    if len(rest) % 2:
        raise MalformedNotificationError(
            "Heart-rate notification ends in half an RR interval", data
        )
    return tuple(value for (value,) in struct.iter_unpack("<H", rest))


def encode_heart_rate_measurement(
    bpm: int,
    contact: bool | None = None,
    energy_kj: int | None = None,
    rr_raw: Sequence[int] = (),
    *,
    force_uint16: bool = False,
) -> bytes:
    """Build a 0x2A37 value, as a sensor would send it (used by the emulator).

    Args:
        bpm: Heart rate, 0-65535; values above 255 use the 16-bit format.
        contact: None when contact is not supported, else whether it is detected.
        energy_kj: Cumulative energy (0-65535), or None to leave the field out.
        rr_raw: RR intervals in 1/1024 s, oldest first; empty leaves them out.
        force_uint16: Use the 16-bit heart-rate format even for small values.

    Returns:
        The characteristic value.
    """
    flags = 0
    wide = force_uint16 or bpm > 0xFF
    if wide:
        flags |= FLAG_HR_UINT16
    if contact is not None:
        flags |= FLAG_CONTACT_SUPPORTED | (FLAG_CONTACT_DETECTED if contact else 0)
    body = struct.pack("<H" if wide else "<B", bpm)
    if energy_kj is not None:
        flags |= FLAG_ENERGY_PRESENT
        body += struct.pack("<H", energy_kj)
    if rr_raw:
        flags |= FLAG_RR_PRESENT
        body += struct.pack(f"<{len(rr_raw)}H", *rr_raw)
    return bytes([flags]) + body


def parse_hex(text: str) -> bytes:
    """Bytes from hex text as sensor tools print it ("16 4B 1F 03", "16:4b", "0x16").

    Separated groups must each hold whole bytes, so "1 6" is refused rather
    than read as 0x16.

    Raises:
        ValueError: The text is not whole bytes of hexadecimal digits.
    """
    normalized = text.strip().lower()
    for separator in (":", "-", ",", "\t", "\n"):
        normalized = normalized.replace(separator, " ")
    groups = [group.removeprefix("0x") for group in normalized.split()]
    if not groups or any(len(group) % 2 for group in groups):
        raise ValueError("expected two hex digits per byte")
    return bytes.fromhex("".join(groups))
