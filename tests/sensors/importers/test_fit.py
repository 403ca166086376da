"""FIT importer on real files: sentinels, clocks, local time, damaged files."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensors.errors import UnreadableFileError
from sensors.importers import read_workout
from sensors.records import Clock
from tests.conftest import CASES, SAMPLES
from tests.fit_builder import RECORD, TIMESTAMP_CORRELATION, FitBuilder, hrv

ROWING = SAMPLES / "vivoactive-hr-indoor-rowing.fit"


def _utc_ms(text: str) -> int:
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def test_imp02_invalid_heart_rate_byte_is_missing_not_255():
    """IMP-02: 0xFF heart rate is FIT's "no value"; the other records keep theirs."""
    session = read_workout(CASES / "IMP-02.fit", UTC).sessions[0]

    lines = (CASES / "IMP-02.expected.csv").read_text().splitlines()
    expected = [row for row in csv.DictReader(lines) if row["expected_heart_rate"]]
    assert session.heart_rate.bpm == [
        int(row["expected_heart_rate"]) for row in expected
    ]
    assert session.heart_rate.t_ms == [
        _utc_ms(row["timestamp_utc"]) for row in expected
    ]
    assert 255 not in session.heart_rate.bpm


def test_imp04_offset_comes_from_the_files_local_timestamp():
    """IMP-04 (1): local_timestamp - timestamp = +3 h; samples stay in UTC."""
    session = read_workout(CASES / "IMP-04.fit", ZoneInfo("America/New_York")).sessions[
        0
    ]

    assert session.utc_offset_s == 10800
    assert session.heart_rate.t_ms[0] == _utc_ms("2024-07-15T03:00:00Z")
    assert session.heart_rate.bpm == [98, 112, 125]
    assert session.clock is Clock.UTC


def test_zero_heart_rate_is_not_a_reading(tmp_path: Path):
    """A zero in heart_rate (strap off) is skipped and reported, like a sentinel."""
    data = bytearray((CASES / "IMP-02.fit").read_bytes())
    index = data.index(bytes([0x78]), 60)  # the first real reading, 120 bpm
    data[index] = 0
    broken = tmp_path / "zero.fit"
    broken.write_bytes(_fix_crc(bytes(data)))

    result = read_workout(broken, UTC)

    assert result.sessions[0].heart_rate.bpm == [130, 140]
    assert any("skipped 1 heart-rate values" in w for w in result.warnings)


def test_real_file_counts_and_device():
    session = read_workout(ROWING, UTC).sessions[0]

    bpm = sorted(session.heart_rate.bpm)
    assert (len(bpm), bpm[0], bpm[len(bpm) // 2], bpm[-1]) == (1641, 80, 134, 179)
    assert session.device.product == "vivo_active_hr"
    assert session.heart_rate.t_ms[0] == _utc_ms("2017-05-18T16:37:30Z")


def test_device_relative_clock_is_dated_from_local_time():
    """Timestamps below 0x10000000 are device time; the activity's local clock dates them."""
    zone = ZoneInfo("Europe/Berlin")
    result = read_workout(SAMPLES / "forerunner70-run-device-clock.fit", zone)
    session = result.sessions[0]

    assert session.clock is Clock.LOCAL_ASSUMED
    assert len(session.heart_rate) == 754
    # The activity ended at 12:21:03 local wall-clock time on 2012-02-13 (CET, +1 h).
    end = datetime.fromtimestamp(session.heart_rate.t_ms[-1] / 1000, UTC)
    assert end.date().isoformat() == "2012-02-13"
    assert session.utc_offset_s == 3600
    assert any("Europe/Berlin" in w for w in result.warnings)


def test_file_cut_off_midway_keeps_intact_records(tmp_path: Path):
    """A watch that died mid-run: every complete record is kept, with one warning."""
    data = ROWING.read_bytes()
    cut = tmp_path / "cut.fit"
    cut.write_bytes(data[: len(data) // 2])

    result = read_workout(cut, UTC)

    kept = len(result.sessions[0].heart_rate)
    assert 500 < kept < 1641
    assert len(result.warnings) == 1
    assert "cut off" in result.warnings[0]
    assert f"Kept the {kept}" in result.warnings[0]


def test_bad_checksum_keeps_records_and_warns(tmp_path: Path):
    data = bytearray(ROWING.read_bytes())
    data[-1] ^= 0xFF
    damaged = tmp_path / "crc.fit"
    damaged.write_bytes(bytes(data))

    result = read_workout(damaged, UTC)

    assert len(result.sessions[0].heart_rate) == 1641
    assert len(result.warnings) == 1
    assert "checksum" in result.warnings[0]


def test_file_with_no_heart_rate_names_the_file_and_the_reason(tmp_path: Path):
    head = ROWING.read_bytes()[:14]  # a header and nothing else
    empty = tmp_path / "empty.fit"
    empty.write_bytes(head)

    with pytest.raises(UnreadableFileError, match=r"empty\.fit: nothing to import"):
        read_workout(empty, UTC)


def test_not_a_fit_file_is_a_clear_error(tmp_path: Path):
    bogus = tmp_path / "notes.fit"
    bogus.write_text("these are my notes, not a FIT file")

    with pytest.raises(UnreadableFileError, match=r"notes\.fit"):
        read_workout(bogus, UTC)


def _fix_crc(data: bytes) -> bytes:
    """Recompute a single FIT file's trailing CRC after editing its body."""
    from fitdecode.utils import compute_crc

    body = data[:-2]
    crc: int = compute_crc(body)
    return body + crc.to_bytes(2, "little")


FIT_2024 = 1_104_537_600  # 2024-12-31T00:00:00Z in FIT seconds (since 1989-12-31)


def test_invalid_values_of_every_base_type_are_missing(tmp_path: Path):
    """IMP-02's whole kind: 0xFF (uint8), 0xFFFF (uint16), 0xFFFFFFFF (uint32)."""
    fit = FitBuilder()
    fit.message(RECORD, [FIT_2024, 120])
    fit.message(RECORD, [0xFFFFFFFF, 121])  # no time: cannot be placed, dropped
    fit.message(RECORD, [FIT_2024 + 2, 0xFF])
    fit.message(RECORD, [FIT_2024 + 3, 122])
    fit.message(hrv(5), [800, 0xFFFF, 810, 0xFFFF, 0xFFFF])
    path = tmp_path / "sentinels.fit"
    path.write_bytes(fit.build())

    session = read_workout(path, UTC).sessions[0]

    assert session.heart_rate.bpm == [120, 122]
    assert session.rr.rr_ms == [800.0, 810.0]
    assert session.rr.after_gap == [False, False]


def test_an_impossible_beat_breaks_rr_adjacency(tmp_path: Path):
    fit = (
        FitBuilder()
        .message(RECORD, [FIT_2024, 70])
        .message(hrv(4), [800, 40, 810, 805])
    )
    path = tmp_path / "glitch.fit"
    path.write_bytes(fit.build())

    result = read_workout(path, UTC)

    assert result.sessions[0].rr.rr_ms == [800.0, 810.0, 805.0]
    assert result.sessions[0].rr.after_gap == [False, True, False]
    assert any("RR values outside" in w for w in result.warnings)


def test_device_clock_with_a_correlation_message_is_real_utc(tmp_path: Path):
    fit = FitBuilder()
    fit.message(TIMESTAMP_CORRELATION, [FIT_2024, 1000])
    fit.message(RECORD, [1000, 90]).message(RECORD, [1060, 95])
    path = tmp_path / "correlated.fit"
    path.write_bytes(fit.build())

    session = read_workout(path, UTC).sessions[0]

    assert session.clock is Clock.UTC
    assert session.heart_rate.t_ms == [
        _utc_ms("2024-12-31T00:00:00Z"),
        _utc_ms("2024-12-31T00:01:00Z"),
    ]


def test_device_clock_without_any_anchor_is_stored_undated(tmp_path: Path):
    fit = FitBuilder().message(RECORD, [5000, 90]).message(RECORD, [5030, 95])
    path = tmp_path / "undated.fit"
    path.write_bytes(fit.build())

    result = read_workout(path, UTC)

    assert result.sessions[0].clock is Clock.RELATIVE
    assert result.sessions[0].heart_rate.t_ms == [0, 30_000]
    assert any("no calendar date" in w for w in result.warnings)
