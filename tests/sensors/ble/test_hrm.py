"""Heart Rate Measurement (0x2A37) decoding: case vectors and properties.

Emulation level: none needed. The decoder is a pure function on the bytes a
sensor sends; the vectors are real captures restated in SEN-01 and SEN-03.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensors.ble.hrm import (
    HeartRateMeasurement,
    encode_heart_rate_measurement,
    parse_heart_rate_measurement,
    parse_hex,
    rr_raw_to_ms,
)
from sensors.errors import MalformedNotificationError, SensorError

CASES = Path(__file__).parents[2] / "data" / "cases"
CONTACT = {"detected": True, "not_detected": False, "not_supported": None}


def _vectors(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(";")] if text else []


@pytest.mark.parametrize(
    "row", _vectors("SEN-01.vectors.csv"), ids=lambda r: r["payload_hex"]
)
def test_sen01_every_rr_interval_of_a_notification_is_decoded_in_order(row):
    measurement = parse_heart_rate_measurement(parse_hex(row["payload_hex"]))

    assert measurement.bpm == int(row["hr_bpm"])
    assert measurement.contact is CONTACT[row["contact"]]
    assert measurement.rr_raw == tuple(_ints(row["rr_raw_1_1024s"]))
    expected_ms = [float(v) for v in row["rr_ms"].split(";")]
    assert measurement.rr_ms == pytest.approx(expected_ms, abs=5e-4)


def test_sen01_three_packets_give_the_stored_series():
    rows = _vectors("SEN-01.vectors.csv")
    series = [
        ms
        for r in rows
        for ms in parse_heart_rate_measurement(parse_hex(r["payload_hex"])).rr_ms
    ]

    assert series == pytest.approx(
        [789.062, 780.273, 791.016, 655.273, 664.062, 671.875], abs=5e-4
    )


@pytest.mark.parametrize(
    "row", _vectors("SEN-03.vectors.csv"), ids=lambda r: r["payload_hex"]
)
def test_sen03_energy_field_is_consumed_before_the_rr_list(row):
    measurement = parse_heart_rate_measurement(parse_hex(row["payload_hex"]))

    assert measurement.bpm == int(row["hr_bpm"])
    assert measurement.contact is CONTACT[row["contact"]]
    assert measurement.energy_kj == int(row["energy_kj"])
    assert measurement.rr_raw == tuple(_ints(row["rr_raw_1_1024s"]))


def test_sen03_saturated_energy_is_kept_and_flagged():
    measurement = parse_heart_rate_measurement(bytes.fromhex("185AFFFF"))

    assert measurement.energy_kj == 65535
    assert measurement.energy_saturated
    assert not parse_heart_rate_measurement(
        bytes.fromhex("1E5A3412AB02")
    ).energy_saturated


@pytest.mark.parametrize(
    ("payload", "bpm", "contact"),
    [
        ("0048", 72, None),  # contact not supported
        ("0248", 72, None),  # "detected" bit without the "supported" bit means nothing
        ("0448", 72, False),  # supported, not detected
        ("0648", 72, True),  # supported and detected
        ("012C01", 300, None),  # 16-bit heart rate
        ("07FFFF", 65535, True),
    ],
)
def test_flags_select_heart_rate_format_and_contact(payload, bpm, contact):
    measurement = parse_heart_rate_measurement(bytes.fromhex(payload))

    assert (measurement.bpm, measurement.contact) == (bpm, contact)
    assert measurement.energy_kj is None
    assert measurement.rr_raw == ()


def test_energy_and_rr_after_a_16_bit_heart_rate():
    measurement = parse_heart_rate_measurement(bytes.fromhex("195A00E803AB02B002"))

    assert (measurement.bpm, measurement.energy_kj, measurement.rr_raw) == (
        90,
        1000,
        (683, 688),
    )


def test_no_contact_and_zero_bpm_are_not_readings():
    assert parse_heart_rate_measurement(bytes.fromhex("044C")).reading_bpm is None
    assert parse_heart_rate_measurement(bytes.fromhex("0600")).reading_bpm is None
    assert parse_heart_rate_measurement(bytes.fromhex("064C")).reading_bpm == 76
    assert parse_heart_rate_measurement(bytes.fromhex("004C")).reading_bpm == 76


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "Empty"),
        ("16", "too short"),
        ("01", "too short"),
        ("0148", "too short"),  # 16-bit heart rate announced, one byte sent
        ("085A", "energy"),  # energy announced, absent
        ("185A12", "energy"),  # energy announced, one byte only
        ("164C28", "half an RR"),
        ("164C280301", "half an RR"),
        ("064C28", "do not announce"),  # bytes the flags do not announce
    ],
)
def test_malformed_payloads_raise_with_their_bytes(payload, reason):
    with pytest.raises(MalformedNotificationError, match=reason) as caught:
        parse_heart_rate_measurement(bytes.fromhex(payload))

    assert caught.value.payload == bytes.fromhex(payload)
    assert (payload[:2].lower() if payload else "none") in str(caught.value).replace(
        " ", ""
    )


def test_rr_flag_with_nothing_left_is_an_empty_list():
    assert parse_heart_rate_measurement(bytes.fromhex("164C")).rr_raw == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16 4B 1F 03", "164b1f03"),
        ("16:4b:1f:03", "164b1f03"),
        ("0x16 0x4B", "164b"),
        ("164B", "164b"),
    ],
)
def test_parse_hex_accepts_the_usual_spellings(text, expected):
    assert parse_hex(text).hex() == expected


def test_parse_hex_rejects_half_bytes():
    with pytest.raises(ValueError, match="two hex digits"):
        parse_hex("16 4")


@given(st.binary(max_size=40))
def test_any_bytes_decode_or_raise_the_specific_error(payload):
    try:
        measurement = parse_heart_rate_measurement(payload)
    except MalformedNotificationError as exc:
        error: SensorError = exc
        assert getattr(error, "payload", None) == payload
        return
    # Whatever decodes accounts for every byte of the payload.
    flags = payload[0]
    size = (
        1
        + (2 if flags & 1 else 1)
        + (2 if flags & 8 else 0)
        + 2 * len(measurement.rr_raw)
    )
    assert size == len(payload)
    assert all(0 <= raw <= 0xFFFF for raw in measurement.rr_raw)


@given(
    bpm=st.integers(0, 0xFFFF),
    contact=st.sampled_from([None, True, False]),
    energy=st.none() | st.integers(0, 0xFFFF),
    rr=st.lists(st.integers(0, 0xFFFF), max_size=9),
    wide=st.booleans(),
)
def test_encoding_then_decoding_gives_back_the_values(bpm, contact, energy, rr, wide):
    payload = encode_heart_rate_measurement(bpm, contact, energy, rr, force_uint16=wide)

    decoded = parse_heart_rate_measurement(payload)

    assert decoded == HeartRateMeasurement(bpm, contact, energy, tuple(rr))


@given(st.integers(0, 0xFFFF))
def test_rr_unit_is_1_1024_second(raw):
    assert rr_raw_to_ms(raw) == pytest.approx(raw / 1.024)
