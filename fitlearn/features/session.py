"""Per-session features: duration, heart-rate statistics, zones, TRIMP, HRV.

All functions take every session at once (frames keyed by `session_id`) so a
year of 1 Hz samples is one vectorised pass, not a Python loop per session.

- Each sample stands for the time until the next one, capped at
  `MAX_SAMPLE_GAP_S`: a pause in recording does not count as time in a zone.
- Zones are Karvonen (heart-rate reserve) zones: Z1 below 60 %, Z2 60-70 %,
  Z3 70-80 %, Z4 80-90 %, Z5 90 % and above.
- TRIMP is Banister's: minutes x HRR x a x exp(b x HRR), with a=0.64, b=1.92 for
  men, a=0.86, b=1.67 for women, and the mean of the two when sex is not set.
- Resting heart rate of a session is its lowest 5-minute rolling mean; sessions
  shorter than 5 minutes have none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from fitlearn.features.hrv import rmssd_by_session
from fitlearn.features.profile import ResolvedProfile

MAX_SAMPLE_GAP_S = 30
ZONE_LOWER_HRR = (0.0, 0.6, 0.7, 0.8, 0.9)
"""Lower bound of zones 1-5 as a fraction of heart-rate reserve (Z1 has none)."""
RESTING_WINDOW_MS = 5 * 60 * 1000
CHUNK_ROWS = 2_000_000
"""Samples handled at once: whole sessions are grouped up to about this many rows,
so a year of 1 Hz data is computed in slices instead of all in memory at once."""
SUSTAINED_SAMPLES = 5
TRIMP_WEIGHTS = {"male": (0.64, 1.92), "female": (0.86, 1.67)}

FEATURE_COLUMNS = (
    "session_id",
    "samples",
    "start_ms",
    "end_ms",
    "duration_s",
    "hr_min",
    "hr_mean",
    "hr_median",
    "hr_max",
    "hr_peak",
    "resting_hr",
    "trimp",
    "z1_s",
    "z2_s",
    "z3_s",
    "z4_s",
    "z5_s",
    "rr_count",
    "rr_artifacts",
    "rr_pairs_used",
    "rr_pairs_total",
    "rmssd_ms",
    "ln_rmssd",
)


def zone_bounds_bpm(profile: ResolvedProfile) -> list[tuple[int, int]]:
    """Heart-rate range of each zone, in bpm, for display and recommendations."""
    reserve = profile.hr_max - profile.hr_rest
    lowers = [profile.hr_rest + f * reserve for f in ZONE_LOWER_HRR]
    uppers = [*lowers[1:], profile.hr_max]
    return [(round(lo), round(hi)) for lo, hi in zip(lowers, uppers, strict=True)]


def zone_of(bpm: float | None, zones_bpm: Sequence[tuple[float, float]]) -> int | None:
    """The zone (1-5) whose range holds `bpm`.

    Below zone 1 counts as zone 1, above the top as the top zone. None without a
    reading or without zones.
    """
    if bpm is None or not zones_bpm:
        return None
    for zone in range(len(zones_bpm), 1, -1):
        if bpm >= zones_bpm[zone - 1][0]:
            return zone
    return 1


def session_chunks(
    frame: pl.DataFrame, max_rows: int = CHUNK_ROWS
) -> list[pl.DataFrame]:
    """Split a frame sorted by `session_id` into zero-copy slices of whole sessions.

    A session longer than `max_rows` makes a slice of its own.
    """
    if frame.height <= max_rows:
        return [frame]
    lengths = frame.group_by("session_id", maintain_order=True).len()["len"].to_list()
    chunks, start, size = [], 0, 0
    for length in lengths:
        if size and size + length > max_rows:
            chunks.append(frame.slice(start, size))
            start, size = start + size, 0
        size += length
    chunks.append(frame.slice(start, size))
    return chunks


def sustained_peaks(hr: pl.DataFrame) -> pl.DataFrame:
    """Highest heart rate held for `SUSTAINED_SAMPLES` samples, per session.

    A single spike (a strap artifact) cannot raise it, so it is what estimates
    maximum heart rate. Returns `session_id`, `hr_peak`.
    """
    held = (
        pl.col("bpm").rolling_min(SUSTAINED_SAMPLES, min_samples=1).over("session_id")
    )
    parts = [
        chunk.lazy()
        .select("session_id", held.alias("held"))
        .group_by("session_id")
        .agg(hr_peak=pl.col("held").max().cast(pl.Float64))
        .collect()
        for chunk in session_chunks(hr)
    ]
    return pl.concat(parts)


def trimp_weights(profile: ResolvedProfile) -> tuple[float, float]:
    """Banister's (a, b) for the profile's sex; the mean of both when unset."""
    if profile.sex is not None:
        return TRIMP_WEIGHTS[profile.sex]
    male, female = TRIMP_WEIGHTS["male"], TRIMP_WEIGHTS["female"]
    return (male[0] + female[0]) / 2, (male[1] + female[1]) / 2


def session_features(
    hr: pl.DataFrame, rr: pl.DataFrame, profile: ResolvedProfile
) -> pl.DataFrame:
    """Features of every session present in `hr` or `rr`.

    Args:
        hr: `session_id`, `t_ms`, `bpm`, sorted by session then time.
        rr: `session_id`, `t_ms`, `rr_ms`, `after_gap`, in beat order.
        profile: Maximum and resting heart rate for zones and TRIMP.

    Returns:
        One row per session with the columns in `FEATURE_COLUMNS`.
    """
    from_hr = pl.concat(
        [_heart_rate_features(chunk, profile) for chunk in session_chunks(hr)]
    )
    from_rr = rmssd_by_session(rr) if not rr.is_empty() else _empty_rr_features()
    rr_span = rr.group_by("session_id").agg(
        rr_start=pl.col("t_ms").min(),
        rr_end=pl.col("t_ms").max(),
        rr_duration=pl.col("rr_ms").sum() / 1000,
    )
    joined = from_hr.join(from_rr, on="session_id", how="full", coalesce=True).join(
        rr_span, on="session_id", how="left"
    )
    return (
        joined.with_columns(
            start_ms=pl.coalesce("start_ms", "rr_start"),
            end_ms=pl.coalesce("end_ms", "rr_end"),
            duration_s=pl.coalesce("duration_s", "rr_duration"),
            samples=pl.col("samples").fill_null(0),
            rr_count=pl.col("rr_count").fill_null(0),
        )
        .select(FEATURE_COLUMNS)
        .sort("session_id")
    )


def _heart_rate_features(hr: pl.DataFrame, profile: ResolvedProfile) -> pl.DataFrame:
    reserve = profile.hr_max - profile.hr_rest
    a, b = trimp_weights(profile)
    hrr = ((pl.col("bpm") - profile.hr_rest) / reserve).cast(pl.Float32)
    clamped = hrr.clip(0.0, 1.0)
    dt_s = (
        ((pl.col("t_ms").shift(-1).over("session_id") - pl.col("t_ms")) / 1000)
        .fill_null(0)
        .clip(0, MAX_SAMPLE_GAP_S)
        .cast(pl.Float32)
    )
    zone = (
        pl.when(hrr < ZONE_LOWER_HRR[1])
        .then(1)
        .when(hrr < ZONE_LOWER_HRR[2])
        .then(2)
        .when(hrr < ZONE_LOWER_HRR[3])
        .then(3)
        .when(hrr < ZONE_LOWER_HRR[4])
        .then(4)
        .otherwise(5)
        .cast(pl.Int8)
    )
    prepared = hr.lazy().with_columns(
        dt_s=dt_s,
        zone=zone,
        trimp_rate=(clamped * a * (b * clamped).exp()).cast(pl.Float32),
        held=pl.col("bpm")
        .rolling_min(SUSTAINED_SAMPLES, min_samples=1)
        .over("session_id"),
    )
    zones = [
        pl.col("dt_s")
        .filter(pl.col("zone") == k)
        .sum()
        .cast(pl.Float64)
        .alias(f"z{k}_s")
        for k in range(1, 6)
    ]
    summary = prepared.group_by("session_id").agg(
        *zones,
        samples=pl.len(),
        start_ms=pl.col("t_ms").min(),
        end_ms=pl.col("t_ms").max(),
        hr_min=pl.col("bpm").min().cast(pl.Float64),
        hr_mean=pl.col("bpm").mean(),
        hr_median=pl.col("bpm").median(),
        hr_max=pl.col("bpm").max().cast(pl.Float64),
        hr_peak=pl.col("held").max().cast(pl.Float64),
        trimp=(pl.col("dt_s") / 60 * pl.col("trimp_rate")).sum().cast(pl.Float64),
    )
    summary = summary.with_columns(
        duration_s=((pl.col("end_ms") - pl.col("start_ms")) / 1000)
    )
    return summary.join(_resting_hr(hr), on="session_id", how="left").collect()


def _resting_hr(hr: pl.DataFrame) -> pl.LazyFrame:
    """Lowest 5-minute rolling mean per session, over full windows only."""
    # Limitation: from workouts alone this is well above a true morning resting HR;
    # zones and TRIMP use the profile's hr_rest (60 bpm, labelled, when unset).
    moment = pl.from_epoch("t_ms", time_unit="ms")
    rolling = pl.col("bpm").cast(pl.Float32).rolling_mean_by(moment, window_size="5m")
    full_window = (
        pl.col("t_ms") - pl.col("t_ms").min().over("session_id") >= RESTING_WINDOW_MS
    )
    return (
        hr.lazy()
        .with_columns(rolling_5m=rolling.over("session_id"), full=full_window)
        .filter(pl.col("full"))
        .group_by("session_id")
        .agg(resting_hr=pl.col("rolling_5m").min().cast(pl.Float64))
    )


def _empty_rr_features() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "session_id": pl.Int64,
            "rr_count": pl.UInt32,
            "rr_artifacts": pl.UInt32,
            "rr_pairs_used": pl.UInt32,
            "rr_pairs_total": pl.Int64,
            "rmssd_ms": pl.Float64,
            "ln_rmssd": pl.Float64,
        }
    )


def is_finite(value: float | None) -> bool:
    """Whether a feature value is a real number (not null or NaN)."""
    return value is not None and math.isfinite(value)
