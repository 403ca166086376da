"""Write small FIT files for tests: just the messages a test needs, valid CRCs.

Only what the importer reads is supported: little-endian definitions of plain
fields (uint8, uint16 arrays, uint32).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from fitdecode.utils import compute_crc

UINT8, UINT16, UINT32, ENUM = 0x02, 0x84, 0x86, 0x00
FIELD_SIZES = {UINT8: 1, UINT16: 2, UINT32: 4, ENUM: 1}
FORMATS = {UINT8: "B", UINT16: "H", UINT32: "I", ENUM: "B"}

# (global message number, [(field number, base type, array length)])
FILE_ID = (0, [(0, ENUM, 1)])
RECORD = (20, [(253, UINT32, 1), (3, UINT8, 1)])
ACTIVITY = (34, [(253, UINT32, 1), (5, UINT32, 1)])
TIMESTAMP_CORRELATION = (162, [(253, UINT32, 1), (1, UINT32, 1)])


def hrv(slots: int) -> tuple[int, list[tuple[int, int, int]]]:
    """The `hrv` message with a `time` array of `slots` uint16 values (ms)."""
    return 78, [(0, UINT16, slots)]


class FitBuilder:
    """Collects messages, then `build()` returns the file's bytes."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.locals: dict[tuple[int, tuple[tuple[int, int, int], ...]], int] = {}
        self.message(FILE_ID, [4])  # type = activity

    def message(
        self, kind: tuple[int, list[tuple[int, int, int]]], values: Sequence[int]
    ) -> FitBuilder:
        """Append one data message (writing its definition the first time)."""
        global_num, fields = kind
        key = (global_num, tuple(fields))
        if key not in self.locals:
            local = len(self.locals)
            self.locals[key] = local
            self.body += struct.pack(
                "<BBBHB", 0x40 | local, 0, 0, global_num, len(fields)
            )
            for number, base, count in fields:
                self.body += struct.pack(
                    "<BBB", number, FIELD_SIZES[base] * count, base
                )
        self.body += bytes([self.locals[key]])
        flat = iter(values)
        for _number, base, count in fields:
            for _ in range(count):
                self.body += struct.pack("<" + FORMATS[base], next(flat))
        return self

    def build(self) -> bytes:
        """Header, messages and file CRC."""
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", compute_crc(header))
        data = header + bytes(self.body)
        return data + struct.pack("<H", compute_crc(data))
