"""All features over one synthetic year of 1 Hz heart rate: polars vs plain pandas.

Usage: python benchmarks/bench_features.py [--days 365]

Each side runs in its own process, builds the same year (same seed) straight into
preallocated arrays, then computes every per-session and per-day feature. Reported:
compute time, peak resident memory of the whole process (ru_maxrss, input
included), and the ratio. The two sides' results are compared, so the speed-up is
for the same answers. A third process measures one new day's update (the new
session's features, then the daily table from cached per-session rows) against a
full recompute.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic_year import DAY_S, sessions_meta, year_arrays

HR_MAX, HR_REST = 190.0, 50.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# polars (fitlearn) -------------------------------------------------------------


def fitlearn_features(hr: Any, meta: Any) -> Any:
    import polars as pl

    from fitlearn.features.daily import daily_features
    from fitlearn.features.profile import Profile, resolve_profile
    from fitlearn.features.session import session_features

    profile = resolve_profile(Profile(hr_max=HR_MAX, hr_rest=HR_REST), None)
    from fitlearn.store import RR_SCHEMA

    no_rr = pl.DataFrame(schema=RR_SCHEMA)
    sessions = session_features(hr, no_rr, profile)
    daily = daily_features(meta.join(sessions.drop("start_ms"), on="session_id"))
    return sessions, daily


def run_polars(days: int) -> dict[str, Any]:
    import polars as pl

    session_id, t_ms, bpm = year_arrays(days)
    hr = pl.DataFrame({"session_id": session_id, "t_ms": t_ms, "bpm": bpm})
    input_mb = peak_rss_mb()
    started = time.perf_counter()
    sessions, daily = fitlearn_features(hr, sessions_meta(days))
    elapsed = time.perf_counter() - started
    return _measured(elapsed, input_mb, sessions, daily["ctl"][-1])


def run_incremental(days: int) -> dict[str, Any]:
    import polars as pl

    from fitlearn.features.daily import daily_features
    from fitlearn.features.profile import Profile, resolve_profile
    from fitlearn.features.session import session_features

    session_id, t_ms, bpm = year_arrays(days)
    hr = pl.DataFrame({"session_id": session_id, "t_ms": t_ms, "bpm": bpm})
    meta = sessions_meta(days)
    started = time.perf_counter()
    fitlearn_features(hr, meta)
    full = time.perf_counter() - started

    profile = resolve_profile(Profile(hr_max=HR_MAX, hr_rest=HR_REST), None)
    cached, _ = fitlearn_features(hr.slice(0, (days - 1) * DAY_S), meta.head(days - 1))
    new_day = hr.slice((days - 1) * DAY_S, DAY_S)
    from fitlearn.store import RR_SCHEMA

    no_rr = pl.DataFrame(schema=RR_SCHEMA)
    started = time.perf_counter()
    fresh = session_features(new_day, no_rr, profile)
    sessions = pl.concat([cached, fresh])
    daily_features(meta.join(sessions.drop("start_ms"), on="session_id"))
    update = time.perf_counter() - started
    return {"full_seconds": full, "update_seconds": update}


# pandas baseline ---------------------------------------------------------------


def run_pandas(days: int) -> dict[str, Any]:
    import pandas as pd

    session_id, t_ms, bpm = year_arrays(days)
    frame = pd.DataFrame(
        {"session_id": session_id, "t_ms": t_ms, "bpm": bpm}, copy=False
    )
    input_mb = peak_rss_mb()
    started = time.perf_counter()
    sessions, daily = pandas_features(frame, days)
    elapsed = time.perf_counter() - started
    return _measured(elapsed, input_mb, sessions, daily["ctl"].iloc[-1])


def pandas_features(hr: Any, days: int) -> tuple[Any, Any]:
    """The same features as fitlearn.features, written plainly in pandas."""
    import pandas as pd

    by = hr.groupby("session_id", sort=False)
    reserve = HR_MAX - HR_REST
    hrr = (hr["bpm"] - HR_REST) / reserve
    clamped = hrr.clip(0, 1)
    a, b = (0.64 + 0.86) / 2, (1.92 + 1.67) / 2
    dt = (by["t_ms"].shift(-1) - hr["t_ms"]).div(1000).fillna(0).clip(0, 30)
    zone = np.select([hrr < 0.6, hrr < 0.7, hrr < 0.8, hrr < 0.9], [1, 2, 3, 4], 5)
    work = pd.DataFrame(
        {
            "session_id": hr["session_id"],
            "dt": dt,
            "zone": zone,
            "trimp": dt / 60 * clamped * a * np.exp(b * clamped),
        }
    )
    zones = work.pivot_table(
        index="session_id", columns="zone", values="dt", aggfunc="sum"
    )
    held = by["bpm"].rolling(5, min_periods=1).min().reset_index(level=0, drop=True)
    stamp = pd.to_datetime(hr["t_ms"], unit="ms")
    rolling = (
        pd.DataFrame(
            {
                "session_id": hr["session_id"].to_numpy(),
                "bpm": hr["bpm"].astype("float32").to_numpy(),
            },
            index=pd.DatetimeIndex(stamp),
        )
        .groupby("session_id")["bpm"]
        .rolling("5min")
        .mean()
        .reset_index(level=0, drop=True)
    )
    full = (hr["t_ms"] - by["t_ms"].transform("min") >= 300_000).to_numpy()
    resting = pd.Series(
        rolling.to_numpy()[full], index=hr["session_id"].to_numpy()[full]
    )
    sessions = pd.DataFrame(
        {
            "samples": by.size(),
            "start_ms": by["t_ms"].min(),
            "end_ms": by["t_ms"].max(),
            "hr_min": by["bpm"].min(),
            "hr_mean": by["bpm"].mean(),
            "hr_median": by["bpm"].median(),
            "hr_max": by["bpm"].max(),
            "hr_peak": held.groupby(hr["session_id"]).max(),
            "resting_hr": resting.groupby(level=0).min(),
            "trimp": work.groupby("session_id")["trimp"].sum(),
            **{f"z{k}_s": zones.get(k, 0.0) for k in range(1, 6)},
        }
    )
    return sessions, pandas_daily(sessions)


def pandas_daily(sessions: Any) -> Any:
    import pandas as pd

    day = pd.to_datetime(sessions["start_ms"], unit="ms").dt.normalize()
    per_day = sessions.groupby(day).agg(
        load=("trimp", "sum"), resting_hr=("resting_hr", "min")
    )
    per_day = per_day.asfreq("D").fillna({"load": 0.0})
    padded = pd.concat([pd.Series([0.0]), per_day["load"].reset_index(drop=True)])
    ctl = padded.ewm(alpha=1 - np.exp(-1 / 42), adjust=False).mean().iloc[1:].to_numpy()
    atl = padded.ewm(alpha=1 - np.exp(-1 / 7), adjust=False).mean().iloc[1:].to_numpy()
    per_day["ctl"], per_day["atl"] = ctl, atl
    per_day["tsb"] = (per_day["ctl"] - per_day["atl"]).shift(1).fillna(0.0)
    acute = per_day["load"].rolling(7, min_periods=1).mean()
    chronic = per_day["load"].rolling(28, min_periods=1).mean()
    per_day["acwr"] = (acute / chronic).where(np.arange(len(per_day)) >= 27)
    recent = per_day["resting_hr"].rolling(7, min_periods=1).mean()
    per_day["resting_hr_trend"] = recent - per_day["resting_hr"].rolling(
        28, min_periods=3
    ).mean().shift(7)
    return per_day


def _measured(
    elapsed: float, input_mb: float, sessions: Any, last_ctl: float
) -> dict[str, Any]:
    """Time and memory, and four numbers that both sides must agree on."""
    check = [
        sessions["trimp"].sum(),
        sessions["z5_s"].sum(),
        sessions["resting_hr"].mean(),
        last_ctl,
    ]
    return {
        "seconds": elapsed,
        "peak_mb": peak_rss_mb(),
        "input_mb": input_mb,
        "check": [round(float(v), 3) for v in check],
    }


# orchestration -------------------------------------------------------------------


def in_subprocess(side: str, days: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--side", side, "--days", str(days)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--side", choices=["polars", "pandas", "incremental"])
    args = parser.parse_args()
    if args.side:
        runner = {
            "polars": run_polars,
            "pandas": run_pandas,
            "incremental": run_incremental,
        }[args.side]
        print(json.dumps(runner(args.days)))
        return

    samples = args.days * DAY_S
    ours, theirs = (
        in_subprocess("polars", args.days),
        in_subprocess("pandas", args.days),
    )
    update = in_subprocess("incremental", args.days)
    same = np.allclose(ours["check"], theirs["check"], rtol=1e-3)
    print(f"samples: {samples:,} ({args.days} days at 1 Hz)")
    print(
        f"pandas : {theirs['seconds']:7.2f} s, peak {theirs['peak_mb']:6.0f} MB "
        f"(input {theirs['input_mb']:.0f} MB)"
    )
    print(
        f"polars : {ours['seconds']:7.2f} s, peak {ours['peak_mb']:6.0f} MB "
        f"(input {ours['input_mb']:.0f} MB)"
    )
    print(
        f"speed-up polars vs pandas: {theirs['seconds'] / ours['seconds']:.1f}x (target >= 5)"
    )
    print(f"peak memory, polars: {ours['peak_mb']:.0f} MB (target < 1024)")
    print(
        f"results agree (TRIMP, Z5 time, resting HR, last CTL): {same} "
        f"{ours['check']} vs {theirs['check']}"
    )
    print(
        f"full recompute {update['full_seconds']:.2f} s, one new day "
        f"{update['update_seconds'] * 1000:.1f} ms: "
        f"{update['full_seconds'] / update['update_seconds']:.0f}x (target >= 50)"
    )


if __name__ == "__main__":
    main()
