"""One synthetic year of 1 Hz heart rate: 365 day-long sessions, 31.5 M samples.

Each day: sleep near the resting rate, a waking day with small swings, and one
workout of 30-90 minutes whose intensity follows a weekly pattern (some rest days).
Deterministic for a seed. Written to an Arrow IPC file so every measured process
starts from the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

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


def build_year(path: Path, days: int = 365, seed: int = 7) -> None:
    """Write `days` sessions of 1 Hz samples to `path` (Arrow IPC)."""
    rng = np.random.default_rng(seed)
    frames = []
    for day in range(days):
        frames.append(
            pl.DataFrame(
                {
                    "session_id": np.full(DAY_S, day + 1, dtype=np.int32),
                    "t_ms": START_MS
                    + day * DAY_S * 1000
                    + np.arange(DAY_S, dtype=np.int64) * 1000,
                    "bpm": day_of_heart_rate(day, rng),
                }
            )
        )
    pl.concat(frames).write_ipc(path)


def sessions_meta(days: int = 365) -> pl.DataFrame:
    """The sessions table that goes with the year: UTC clock, one per day."""
    return pl.DataFrame(
        {
            "session_id": np.arange(1, days + 1, dtype=np.int64),
            "start_ms": START_MS + np.arange(days, dtype=np.int64) * DAY_S * 1000,
            "utc_offset_s": np.zeros(days, dtype=np.int64),
            "clock": ["utc"] * days,
            "duplicate_of": pl.Series([None] * days, dtype=pl.Int64),
        }
    )
