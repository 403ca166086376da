"""Windows, targets, baselines and the time split, checked on hand-made days."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl
import pytest
import torch

from fitlearn.training.dataset import (
    CHANNEL_INDEX,
    channel_table,
    split_by_time,
    windows,
)


def _daily(
    devs: Sequence[float | None], loads: list[float] | None = None
) -> pl.DataFrame:
    n = len(devs)
    return pl.DataFrame(
        {
            "date": [date(2024, 1, 1) + timedelta(days=i) for i in range(n)],
            "load": loads or [0.0] * n,
            "ln_rmssd": [None if d is None else 4.0 + d for d in devs],
            "hrv_baseline": [4.0] * n,
            "resting_hr": [None] * n,
        },
        schema_overrides={"resting_hr": pl.Float64},
    )


def test_targets_are_the_day_after_the_window():
    devs = [0.01 * i for i in range(10)]

    samples, target_days = windows(*channel_table(_daily(devs)), window_days=3)

    assert target_days.tolist() == list(range(3, 10))
    assert samples.targets.tolist() == pytest.approx(devs[3:])
    # The first window is days 0-2; its hrv_dev channel holds their deviations.
    assert samples.inputs[0, :, CHANNEL_INDEX["hrv_dev"]].tolist() == pytest.approx(
        devs[:3]
    )


def test_days_without_a_measurement_are_not_targets_and_are_masked():
    devs = [0.1, None, 0.2, None, 0.3, 0.4]

    table, targets = channel_table(_daily(devs))
    _samples, target_days = windows(table, targets, window_days=2)

    assert math.isnan(float(targets[1]))
    assert table[1, CHANNEL_INDEX["hrv_known"]] == 0
    assert target_days.tolist() == [2, 4, 5]


def test_naive_baselines():
    devs = [0.7, 0.1, None, 0.3, None, 0.5, None, None, 0.9]

    samples, _ = windows(*channel_table(_daily(devs)), window_days=8)

    assert samples.baselines["yesterday"].tolist() == pytest.approx([0.5])
    # Last 7 days of the window (days 1-7): measured 0.1, 0.3, 0.5.
    assert samples.baselines["rolling_mean_7d"].tolist() == pytest.approx([0.3])
    assert samples.baselines["baseline_60d"].tolist() == [0.0]


def test_fitness_and_fatigue_follow_the_feature_formula():
    loads = [100.0] + [0.0] * 4

    table, _ = channel_table(_daily([0.0] * 5, loads))

    atl = table[:, CHANNEL_INDEX["atl"]] * 100
    assert float(atl[0]) == pytest.approx(100 * (1 - math.exp(-1 / 7)), rel=1e-5)
    assert float(atl[1]) == pytest.approx(float(atl[0]) * math.exp(-1 / 7), rel=1e-5)
    assert table[1, CHANNEL_INDEX["rest_day"]] == 1


def test_time_split_holds_out_the_latest_days_of_each_history():
    first = _daily([0.01 * i for i in range(40)])
    second = _daily([-0.01 * i for i in range(40)])

    train, held = split_by_time([first, second], window_days=5, holdout_fraction=0.25)

    # Days 30-39 of each history are held out: 20 targets; 25 train targets each.
    assert len(held) == 20
    assert len(train) == 50
    expected = sorted(s * 0.01 * i for s in (1, -1) for i in range(30, 40))
    assert sorted(held.targets.tolist()) == pytest.approx(expected)
    assert torch.all(train.targets.abs() < 0.295)
