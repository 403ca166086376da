"""FEAT-01: RMSSD with an ectopic beat."""

from __future__ import annotations

import csv
import math

import pytest

from fitlearn.features.hrv import rmssd
from tests.conftest import CASES


def _feat01() -> tuple[list[float], list[int]]:
    rows = list(csv.DictReader((CASES / "FEAT-01.rr.csv").read_text().splitlines()))
    values = [float(row["rr_ms"]) for row in rows]
    flagged = [
        int(row["beat_index"])
        for row in rows
        if row["expected_artifact"].startswith("yes")
    ]
    return values, flagged


def test_feat01_drops_the_ectopic_pair_and_skips_differences_across_it():
    values, expected_artifacts = _feat01()

    result = rmssd(values)

    assert result.artifacts == expected_artifacts == [5, 6]
    assert result.rmssd_ms == pytest.approx(18.785, abs=0.01)
    assert (result.pairs_used, result.pairs_total) == (8, 11)
    assert result.ln_rmssd == pytest.approx(math.log(18.785), abs=0.001)


def test_feat01_wrong_answers_are_not_given():
    values, _ = _feat01()

    value = rmssd(values).rmssd_ms

    assert value != pytest.approx(237.446, abs=0.01)  # no cleaning
    assert value != pytest.approx(29.294, abs=0.01)  # cleaning, then a compacted list


def test_a_recording_gap_breaks_the_pair():
    """SEN-06 numbers: differences across a reconnect are not beat-to-beat changes."""
    values = [830.078, 820.312, 810.547, 800.781, 791.016, 781.25, 771.5]
    gaps = [False, False, False, True, False, False, False]

    result = rmssd(values, gaps)

    assert (result.pairs_used, result.pairs_total) == (5, 6)
    expected = math.sqrt(sum(d * d for d in (9.766, 9.765, 9.765, 9.766, 9.75)) / 5)
    assert result.rmssd_ms == pytest.approx(expected, abs=0.01)


def test_too_few_clean_pairs_give_no_rmssd_but_say_how_many():
    result = rmssd([800.0, 810.0, 805.0])

    assert result.rmssd_ms is None
    assert (result.pairs_used, result.pairs_total) == (2, 2)
