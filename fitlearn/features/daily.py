"""Per-day features: training load, fitness and fatigue, resting HR and readiness.

Days are the person's local calendar days: a session belongs to the local date
of its start. Each workout counts once (copies of one workout in several files
are linked by the store and only one is counted); sessions without a calendar
date are left out.

- load: the day's summed TRIMP.
- CTL / ATL: exponentially weighted load with time constants 42 and 7 days,
  `X_d = X_{d-1} + (load_d - X_{d-1}) x (1 - exp(-1/tau))`, starting from 0.
- TSB: form at the start of the day, `CTL_{d-1} - ATL_{d-1}`.
- ACWR: 7-day mean load over 28-day mean load (rolling averages); null until 28
  days of history exist or while the chronic load is under 5 TRIMP a day.
- resting_hr: the day's lowest 5-minute rolling mean; `resting_hr_trend` is its
  7-day mean minus the 28-day mean before it (positive: heart rate creeping up).
- HRV readiness: the day's lnRMSSD against the person's own baseline, the mean
  and standard deviation of the 60 days before (at least 5 measured days).
  `readiness` = clip(50 + 25 z, 0, 100); status `low` below -1 SD, `high` above
  +1 SD. Without HRV, the resting-HR trend decides (`low` above +5 bpm).
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

CTL_DAYS = 42
ATL_DAYS = 7
ACWR_ACUTE_DAYS = 7
ACWR_CHRONIC_DAYS = 28
ACWR_MIN_CHRONIC_LOAD = 5.0
"""Mean daily TRIMP below which the chronic load is too small for a ratio to mean
anything (one short session after months off would read as a spike)."""
HRV_BASELINE_DAYS = 60
HRV_BASELINE_MIN_DAYS = 5
RESTING_BASELINE_DAYS = 28
RESTING_HR_ALERT_BPM = 5.0

SESSION_COLUMNS = {
    "session_id": pl.Int64,
    "start_ms": pl.Int64,
    "utc_offset_s": pl.Int64,
    "clock": pl.String,
    "duplicate_of": pl.Int64,
    "trimp": pl.Float64,
    "duration_s": pl.Float64,
    "resting_hr": pl.Float64,
    "ln_rmssd": pl.Float64,
}


def local_day() -> pl.Expr:
    """The local calendar date of a session's start."""
    local_ms = pl.col("start_ms") + pl.col("utc_offset_s").fill_null(0) * 1000
    return pl.from_epoch(local_ms, time_unit="ms").dt.date()


def daily_features(sessions: pl.DataFrame, until: date | None = None) -> pl.DataFrame:
    """One row per calendar day from the first counted session to `until`.

    Args:
        sessions: Per-session features joined with the sessions' `start_ms`,
            `utc_offset_s`, `clock` and `duplicate_of` (see `SESSION_COLUMNS`).
        until: Last day to compute (so fitness decays over idle days); defaults to
            the last day with a session.

    Returns:
        Columns `date`, `sessions`, `training_s`, `load`, `ctl`, `atl`, `tsb`,
        `acwr`, `resting_hr`, `resting_hr_trend`, `ln_rmssd`, `hrv_baseline`,
        `hrv_baseline_sd`, `hrv_7d`, `readiness`, `readiness_status`,
        `readiness_basis`. Empty when no session has a date.
    """
    per_day = _per_day(sessions)
    if per_day.is_empty():
        return _empty_daily()
    first: date = per_day["date"].min()  # type: ignore[assignment]
    last: date = per_day["date"].max()  # type: ignore[assignment]
    if until is not None:
        last = max(last, until)
    calendar = pl.DataFrame({"date": pl.date_range(first, last, "1d", eager=True)})
    days = calendar.join(per_day, on="date", how="left").with_columns(
        sessions=pl.col("sessions").fill_null(0),
        training_s=pl.col("training_s").fill_null(0.0),
        load=pl.col("load").fill_null(0.0),
    )
    return _readiness(_hrv_baseline(_resting_trend(_load_model(days))))


def _per_day(sessions: pl.DataFrame) -> pl.DataFrame:
    counted = sessions.filter(
        pl.col("start_ms").is_not_null()
        & (pl.col("clock") != "relative")
        & pl.col("duplicate_of").is_null()
    )
    return (
        counted.with_columns(date=local_day())
        .group_by("date")
        .agg(
            sessions=pl.len().cast(pl.Int64),
            training_s=pl.col("duration_s").fill_null(0).sum(),
            load=pl.col("trimp").fill_null(0).sum(),
            resting_hr=pl.col("resting_hr").min(),
            ln_rmssd=pl.col("ln_rmssd").mean(),
        )
        .sort("date")
    )


def _ewma_from_zero(values: pl.Expr, tau_days: int) -> pl.Expr:
    alpha = 1 - math.exp(-1 / tau_days)
    # Prepending a zero makes the recursion start from 0 fitness, not from day 1's load.
    padded = pl.concat([pl.lit(0.0), values])
    return padded.ewm_mean(alpha=alpha, adjust=False).slice(1)


def _load_model(days: pl.DataFrame) -> pl.DataFrame:
    history = pl.int_range(pl.len())
    acute = pl.col("load").rolling_mean(ACWR_ACUTE_DAYS, min_samples=1)
    chronic = pl.col("load").rolling_mean(ACWR_CHRONIC_DAYS, min_samples=1)
    return days.with_columns(
        ctl=_ewma_from_zero(pl.col("load"), CTL_DAYS),
        atl=_ewma_from_zero(pl.col("load"), ATL_DAYS),
    ).with_columns(
        tsb=(pl.col("ctl") - pl.col("atl")).shift(1).fill_null(0.0),
        acwr=pl.when(
            (history >= ACWR_CHRONIC_DAYS - 1) & (chronic >= ACWR_MIN_CHRONIC_LOAD)
        ).then(acute / chronic),
    )


def _resting_trend(days: pl.DataFrame) -> pl.DataFrame:
    recent = pl.col("resting_hr").rolling_mean(7, min_samples=1)
    baseline = (
        pl.col("resting_hr").rolling_mean(RESTING_BASELINE_DAYS, min_samples=3).shift(7)
    )
    return days.with_columns(resting_hr_trend=recent - baseline)


def _hrv_baseline(days: pl.DataFrame) -> pl.DataFrame:
    size, least = HRV_BASELINE_DAYS, HRV_BASELINE_MIN_DAYS
    return days.with_columns(
        hrv_baseline=pl.col("ln_rmssd").rolling_mean(size, min_samples=least).shift(1),
        hrv_baseline_sd=pl.col("ln_rmssd")
        .rolling_std(size, min_samples=least)
        .shift(1),
        hrv_7d=pl.col("ln_rmssd").rolling_mean(7, min_samples=1),
    )


def _readiness(days: pl.DataFrame) -> pl.DataFrame:
    z = (pl.col("ln_rmssd") - pl.col("hrv_baseline")) / pl.col("hrv_baseline_sd")
    has_hrv = z.is_not_null() & z.is_finite()
    has_rest = pl.col("resting_hr_trend").is_not_null()
    score = (
        pl.when(has_hrv)
        .then((50 + 25 * z).clip(0, 100))
        .when(has_rest)
        .then((50 - 8 * pl.col("resting_hr_trend")).clip(0, 100))
    )
    status = (
        pl.when(has_hrv & (z < -1))
        .then(pl.lit("low"))
        .when(has_hrv & (z > 1))
        .then(pl.lit("high"))
        .when(has_hrv)
        .then(pl.lit("normal"))
        .when(has_rest & (pl.col("resting_hr_trend") > RESTING_HR_ALERT_BPM))
        .then(pl.lit("low"))
        .when(has_rest)
        .then(pl.lit("normal"))
        .otherwise(pl.lit("unknown"))
    )
    basis = (
        pl.when(has_hrv)
        .then(pl.lit("hrv"))
        .when(has_rest)
        .then(pl.lit("resting_hr"))
        .otherwise(pl.lit("none"))
    )
    return days.with_columns(
        readiness=score.round(0), readiness_status=status, readiness_basis=basis
    )


def _empty_daily() -> pl.DataFrame:
    types = {"date": pl.Date, "sessions": pl.Int64}
    types |= {"readiness_status": pl.String, "readiness_basis": pl.String}
    return pl.DataFrame(
        schema={name: types.get(name, pl.Float64) for name in DAILY_COLUMNS}
    )


DAILY_COLUMNS = (
    "date",
    "sessions",
    "training_s",
    "load",
    "ctl",
    "atl",
    "tsb",
    "acwr",
    "resting_hr",
    "resting_hr_trend",
    "ln_rmssd",
    "hrv_baseline",
    "hrv_baseline_sd",
    "hrv_7d",
    "readiness",
    "readiness_status",
    "readiness_basis",
)
