"""From daily feature tables to training windows, targets and naive baselines.

One sample asks: given the days up to yesterday (their load and what the
person's body showed), what will this morning's lnRMSSD be, as a deviation from
the person's own 60-day baseline? The deviation, not the raw value, is learnt,
so that what one simulated athlete teaches carries over to another person.

Each day becomes a row of *channels* (`CHANNELS`), all scaled to roughly unit
size. Fitness (CTL) and fatigue (ATL) are recomputed here from the load column
with the constants of `fitlearn.features.daily`, so that a planned workout
appended to a real history gets the same treatment as a recorded one.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import torch

from fitlearn.features.daily import ATL_DAYS, CTL_DAYS, RESTING_BASELINE_DAYS

LOAD_SCALE = 100.0
RESTING_HR_SCALE = 10.0

CHANNELS: dict[str, str] = {
    "load": "the day's training load (TRIMP / 100)",
    "ctl": "fitness, 42-day weighted load (/ 100)",
    "atl": "fatigue, 7-day weighted load (/ 100)",
    "tsb": "form at the start of the day, CTL - ATL of the day before (/ 100)",
    "hrv_dev": "lnRMSSD minus the 60-day baseline (0 when not measured)",
    "hrv_known": "1 when lnRMSSD and its baseline were measured that day, else 0",
    "rhr_dev": "resting HR minus its 28-day mean before (/ 10 bpm; 0 when unknown)",
    "rhr_known": "1 when resting HR and its baseline are known, else 0",
    "rest_day": "1 on a day without training, else 0",
}
"""Everything a model plugin may ask for, by name, with its meaning."""

CHANNEL_INDEX = {name: i for i, name in enumerate(CHANNELS)}
# Limitation: one target only; resting-HR or readiness targets are not offered yet.
TARGET = "hrv_dev_next"
"""The one target today: the next morning's lnRMSSD deviation from baseline."""

BASELINES = ("yesterday", "rolling_mean_7d", "baseline_60d")
"""Naive predictions every model must beat: the last measured deviation, the mean
of the last 7 days' measured deviations, and no deviation at all (the 60-day
mean itself)."""


@dataclass(frozen=True)
class Samples:
    """Windows of channels, the targets, and what the naive baselines predict."""

    inputs: torch.Tensor
    """(samples, window_days, channels) float32, channels in `CHANNELS` order."""
    targets: torch.Tensor
    """(samples,) the target day's lnRMSSD deviation."""
    baselines: dict[str, torch.Tensor]
    """Baseline name -> (samples,) its prediction."""

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def select(self, channels: Sequence[str]) -> torch.Tensor:
        """The inputs restricted to `channels`, in that order."""
        return self.inputs[:, :, [CHANNEL_INDEX[c] for c in channels]]


def channel_table(daily: pl.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-day channels and per-day target values of a daily table.

    Args:
        daily: Consecutive days with at least `date`, `load`, `ln_rmssd`,
            `hrv_baseline` and `resting_hr` (see `fitlearn.features.daily`).

    Returns:
        (days, channels) float32 and (days,) deviations, NaN where unmeasured.
    """
    loads = [float(v or 0.0) for v in daily["load"].to_list()]
    ctl = _weighted(loads, CTL_DAYS)
    atl = _weighted(loads, ATL_DAYS)
    deviation = (pl.col("ln_rmssd") - pl.col("hrv_baseline")).alias("dev")
    rhr_base = (
        pl.col("resting_hr").rolling_mean(RESTING_BASELINE_DAYS, min_samples=3).shift(1)
    )
    extra = daily.select(deviation, (pl.col("resting_hr") - rhr_base).alias("rhr"))
    hrv = [_finite(v) for v in extra["dev"].to_list()]
    rhr = [_finite(v) for v in extra["rhr"].to_list()]
    rows = []
    for d, (load, dev, rest) in enumerate(zip(loads, hrv, rhr, strict=True)):
        form = (ctl[d - 1] - atl[d - 1]) if d > 0 else 0.0
        rows.append(
            [
                load / LOAD_SCALE,
                ctl[d] / LOAD_SCALE,
                atl[d] / LOAD_SCALE,
                form / LOAD_SCALE,
                dev if dev is not None else 0.0,
                float(dev is not None),
                rest / RESTING_HR_SCALE if rest is not None else 0.0,
                float(rest is not None),
                float(load <= 0),
            ]
        )
    table = torch.tensor(rows, dtype=torch.float32).reshape(len(rows), len(CHANNELS))
    targets = torch.tensor(
        [math.nan if v is None else v for v in hrv], dtype=torch.float32
    )
    return table, targets


def windows(
    table: torch.Tensor, targets: torch.Tensor, window_days: int
) -> tuple[Samples, torch.Tensor]:
    """Every sample of one history whose target was measured.

    Returns:
        The samples, and for each its target day's index in the history.
    """
    days = int(table.shape[0])
    if days <= window_days:
        return _empty(window_days), torch.zeros(0, dtype=torch.long)
    # unfold gives (n, channels, window); sample k covers days k..k+W-1, target day k+W.
    stacked = table.unfold(0, window_days, 1)[:-1].permute(0, 2, 1).contiguous()
    target_days = torch.arange(window_days, days)
    wanted = ~torch.isnan(targets[target_days])
    inputs, target_days = stacked[wanted], target_days[wanted]
    samples = Samples(inputs, targets[target_days], naive_predictions(inputs))
    return samples, target_days


def naive_predictions(inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    """What each of `BASELINES` predicts from the windows in `inputs`."""
    dev = inputs[:, :, CHANNEL_INDEX["hrv_dev"]]
    known = inputs[:, :, CHANNEL_INDEX["hrv_known"]]
    positions = torch.arange(1, dev.shape[1] + 1, dtype=torch.float32)
    last = torch.argmax(known * positions, dim=1)
    has_any = known.sum(dim=1) > 0
    yesterday = torch.where(has_any, dev[torch.arange(dev.shape[0]), last], 0.0)
    week_known = known[:, -7:]
    week_count = week_known.sum(dim=1)
    week_mean = (dev[:, -7:] * week_known).sum(dim=1) / week_count.clamp(min=1)
    return {
        "yesterday": yesterday,
        "rolling_mean_7d": torch.where(week_count > 0, week_mean, 0.0),
        "baseline_60d": torch.zeros(dev.shape[0]),
    }


def split_by_time(
    dailies: Sequence[pl.DataFrame], window_days: int, holdout_fraction: float
) -> tuple[Samples, Samples]:
    """Samples of several histories, split by time within each history.

    Target days in the last `holdout_fraction` of each history are held out;
    the model never trains on a day it is evaluated on, nor on any later day.
    """
    train, held = [], []
    for daily in dailies:
        table, targets = channel_table(daily)
        samples, target_days = windows(table, targets, window_days)
        first_held = math.floor(int(table.shape[0]) * (1 - holdout_fraction))
        is_held = target_days >= first_held
        train.append(_subset(samples, ~is_held))
        held.append(_subset(samples, is_held))
    return concat(train, window_days), concat(held, window_days)


def concat(parts: Sequence[Samples], window_days: int) -> Samples:
    """All samples of `parts`, in order."""
    if not parts:
        return _empty(window_days)
    return Samples(
        torch.cat([p.inputs for p in parts]),
        torch.cat([p.targets for p in parts]),
        {name: torch.cat([p.baselines[name] for p in parts]) for name in BASELINES},
    )


def fingerprint(daily: pl.DataFrame) -> str:
    """A short hash of the columns a model learns from: new data, new hash."""
    columns = ["date", "load", "ln_rmssd", "hrv_baseline", "resting_hr"]
    text = daily.select(columns).write_csv(float_precision=6)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _subset(samples: Samples, mask: torch.Tensor) -> Samples:
    return Samples(
        samples.inputs[mask],
        samples.targets[mask],
        {name: values[mask] for name, values in samples.baselines.items()},
    )


def _empty(window_days: int) -> Samples:
    return Samples(
        torch.zeros(0, window_days, len(CHANNELS)),
        torch.zeros(0),
        {name: torch.zeros(0) for name in BASELINES},
    )


def _weighted(loads: Sequence[float], tau_days: int) -> list[float]:
    alpha = 1 - math.exp(-1 / tau_days)
    out, level = [], 0.0
    for load in loads:
        level += (load - level) * alpha
        out.append(level)
    return out


def _finite(value: object) -> float | None:
    return (
        float(value)
        if isinstance(value, int | float) and math.isfinite(value)
        else None
    )
