"""The emulated strap's script: an RR series turned into timed notifications.

Emulation level: pure (no Bluetooth); checks the emulator sends what a strap
would, so the end-to-end tests count beats against a faithful source.
"""

from __future__ import annotations

import pytest

from sensors.ble.emulation.script import Window, heart_rate_ticks
from sensors.ble.hrm import parse_heart_rate_measurement, rr_ms_to_raw


def test_every_beat_is_sent_once_in_order_at_1_hz():
    rr = [800.0, 810.0, 790.0, 1200.0, 600.0]
    ticks = list(heart_rate_ticks(rr, duration_s=10))

    sent = [
        raw for t in ticks for raw in parse_heart_rate_measurement(t.payload).rr_raw
    ]

    assert [t.t_s for t in ticks] == [float(s) for s in range(1, 11)]
    assert sum(t.beats for t in ticks) == len(sent)
    # The series lasts 4.2 s and wraps around.
    assert sent[:7] == [rr_ms_to_raw(v) for v in rr + rr[:2]]


@pytest.mark.parametrize("rate_hz", [1.0, 2.0, 4.0])
def test_faster_rates_send_the_same_beats(rate_hz):
    rr = [700.0 + 10 * (i % 7) for i in range(50)]

    beats = sum(t.beats for t in heart_rate_ticks(rr, 30, rate_hz))

    assert beats == sum(t.beats for t in heart_rate_ticks(rr, 30, 1.0))
    assert len(list(heart_rate_ticks(rr, 30, rate_hz))) == int(30 * rate_hz)


def test_contact_loss_sends_no_contact_and_no_beats():
    ticks = list(heart_rate_ticks([1000.0], 6, contact_losses=[Window(2, 2)]))

    decoded = [parse_heart_rate_measurement(t.payload) for t in ticks]

    assert [d.contact for d in decoded] == [True, False, False, True, True, True]
    assert [len(d.rr_raw) for d in decoded] == [1, 0, 0, 1, 1, 1]
    assert decoded[1].reading_bpm is None


def test_an_empty_series_is_refused():
    with pytest.raises(ValueError, match="positive"):
        list(heart_rate_ticks([], 5))
