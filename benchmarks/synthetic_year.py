"""One synthetic year of 1 Hz heart rate: 365 day-long sessions, 31.5 M samples.

Each day: sleep near the resting rate, a waking day with small swings, and one
workout of 30-90 minutes whose intensity follows a weekly pattern (some rest days).
Deterministic for a seed, so every measured process builds the same bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DAY_S = 86_400
START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def day_of_heart_rate(day: int, rng: np.random.Generator) -> np.ndarray:
    """86 400 samples of one day, bpm as int16."""
    seconds = np.arange(DAY_S)
    resting = 52 + 3 * np.sin(day / 9) + rng.normal(0, 1)
    awake = (seconds > 7 * 3600) & (seconds < 23 * 3600)
    hr = resting + awake * (18 + 6 * np.sin(seconds / 1800)) + rng.normal(0, 2, DAY_S)
    if day % 7 not in (0, 4):  # two rest days a week
        start = 17 * 3600 + int(rng.integers(0, 3600))
        length = int(rng.integers(30, 91)) * 60
        intensity = (0.55, 0.65, 0.97, 0.7, 0.9, 0.6, 0.75)[day % 7]
        effort = np.linspace(0, 1, length) ** 0.3 * intensity * (188 - resting)
        hr[start : start + length] = resting + effort + rng.normal(0, 3, length)
    return np.clip(hr, 35, 200).astype(np.int16)


def year_arrays(
    days: int = 365, seed: int = 7
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """session_id, t_ms (int64) and bpm (int16), filled day by day in place.

    The dtypes are the store's (`fitlearn.store.HEART_RATE_SCHEMA`), and the arrays
    are preallocated so building them never holds two copies of the year.
    """
    rng = np.random.default_rng(seed)
    total = days * DAY_S
    session_id = np.empty(total, dtype=np.int64)
    t_ms = np.empty(total, dtype=np.int64)
    bpm = np.empty(total, dtype=np.int16)
    second = np.arange(DAY_S, dtype=np.int64) * 1000
    for day in range(days):
        part = slice(day * DAY_S, (day + 1) * DAY_S)
        session_id[part] = day + 1
        t_ms[part] = START_MS + day * DAY_S * 1000 + second
        bpm[part] = day_of_heart_rate(day, rng)
    return session_id, t_ms, bpm


def sessions_meta(days: int = 365) -> Any:
    """The sessions table that goes with the year (a polars frame), one per day."""
    import polars as pl

    return pl.DataFrame(
        {
            "session_id": np.arange(1, days + 1, dtype=np.int64),
            "start_ms": START_MS + np.arange(days, dtype=np.int64) * DAY_S * 1000,
            "utc_offset_s": np.zeros(days, dtype=np.int64),
            "clock": ["utc"] * days,
            "duplicate_of": pl.Series([None] * days, dtype=pl.Int64),
        }
    )
