"""Per-session and per-day features against hand-computed values."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from fitlearn.features.daily import SESSION_COLUMNS, daily_features
from fitlearn.features.profile import Profile, resolve_profile
from fitlearn.features.service import FeatureService
from fitlearn.features.session import session_features, sustained_peaks, zone_bounds_bpm
from fitlearn.ingest import import_files
from fitlearn.store import HEART_RATE_SCHEMA, RR_SCHEMA, Store
from tests.conftest import CASES, SAMPLES, UTC

DAY_MS = 86_400_000
PROFILE = resolve_profile(Profile(hr_max=200, hr_rest=50, sex="male"), None)


def _hr(rows: list[tuple[int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=HEART_RATE_SCHEMA, orient="row")


def _no_rr() -> pl.DataFrame:
    return pl.DataFrame(schema=RR_SCHEMA)


def test_zones_and_trimp_by_hand():
    # HRR 0.5 for 60 s, then 0.9 for 60 s (a 10-minute pause in between does not count).
    rows = [(1, i * 1000, 125) for i in range(60)] + [
        (1, 60_000 + 600_000 + i * 1000, 185) for i in range(61)
    ]
    features = session_features(_hr(rows), _no_rr(), PROFILE).row(0, named=True)

    assert features["z1_s"] == pytest.approx(59 + 30)  # 59 s + the 30 s gap cap
    assert features["z5_s"] == pytest.approx(60)
    expected = 89 / 60 * 0.5 * 0.64 * math.exp(
        1.92 * 0.5
    ) + 1.0 * 0.9 * 0.64 * math.exp(1.92 * 0.9)
    assert features["trimp"] == pytest.approx(expected, rel=1e-4)
    assert zone_bounds_bpm(PROFILE) == [
        (50, 140),
        (140, 155),
        (155, 170),
        (170, 185),
        (185, 200),
    ]


def test_imp02_missing_values_never_reach_features(store: Store):
    """IMP-02: mean 130, max 140, 3 samples; the max-HR estimate stays at or below 140."""
    import_files(store, [CASES / "IMP-02.fit"], UTC)

    snapshot = FeatureService(store, Profile()).refresh()
    row = snapshot.sessions.row(0, named=True)

    assert (row["samples"], row["hr_mean"], row["hr_max"]) == (3, 130.0, 140.0)
    assert snapshot.profile.hr_max_observed is not None
    assert snapshot.profile.hr_max_observed <= 140
    assert "estimated" in snapshot.profile.hr_max_source


def test_sustained_peak_ignores_a_single_spike():
    rows = [(1, i * 1000, 150) for i in range(20)]
    rows[10] = (1, 10_000, 230)

    assert sustained_peaks(_hr(rows))["hr_peak"].to_list() == [150.0]


def test_resting_hr_is_the_lowest_full_five_minute_mean():
    rows = [(1, i * 1000, 60 if 400 <= i < 700 else 90) for i in range(1200)]

    features = session_features(_hr(rows), _no_rr(), PROFILE).row(0, named=True)

    assert features["resting_hr"] == pytest.approx(60.0)


def _sessions(loads: dict[int, float], **extra: object) -> pl.DataFrame:
    start = 1_700_000_000_000 - 1_700_000_000_000 % DAY_MS
    rows = [
        {
            "session_id": i,
            "start_ms": start + day * DAY_MS + 3_600_000,
            "utc_offset_s": 0,
            "clock": "utc",
            "duplicate_of": None,
            "trimp": load,
            "duration_s": 3600.0,
            "resting_hr": None,
            "ln_rmssd": None,
        }
        | extra
        for i, (day, load) in enumerate(loads.items())
    ]
    return pl.DataFrame(rows, schema=SESSION_COLUMNS)


def test_ctl_atl_tsb_follow_the_recursion():
    daily = daily_features(_sessions({0: 100.0, 1: 0.0, 2: 50.0}))

    k42, k7 = 1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7)
    ctl = atl = 0.0
    expected = []
    for load in (100.0, 0.0, 50.0):
        tsb = ctl - atl
        ctl += (load - ctl) * k42
        atl += (load - atl) * k7
        expected.append((ctl, atl, tsb))
    got = list(zip(daily["ctl"], daily["atl"], daily["tsb"], strict=True))
    assert got == [pytest.approx(e) for e in expected]


def test_acwr_needs_28_days_and_is_acute_over_chronic():
    daily = daily_features(_sessions(dict.fromkeys(range(35), 10.0) | {35: 80.0}))

    assert daily["acwr"][26] is None
    assert daily["acwr"][27] == pytest.approx(1.0)
    last = daily.row(-1, named=True)
    assert last["acwr"] == pytest.approx(((6 * 10 + 80) / 7) / ((27 * 10 + 80) / 28))


def test_idle_days_until_a_date_decay_fitness():
    daily = daily_features(_sessions({0: 100.0}), until=date(2023, 12, 31))

    assert daily["load"].to_list()[1:] == [0.0] * (daily.height - 1)
    assert daily["ctl"].to_list() == sorted(daily["ctl"].to_list(), reverse=True)


def test_hrv_readiness_against_the_persons_own_baseline():
    values = [4.0, 4.1, 3.9, 4.0, 4.1, 3.9, 4.0, 3.5]
    frames = [
        _sessions({day: 10.0}, ln_rmssd=v).with_columns(
            session_id=pl.lit(day, pl.Int64)
        )
        for day, v in enumerate(values)
    ]
    daily = daily_features(pl.concat(frames))

    last = daily.row(-1, named=True)
    baseline = sum(values[:-1]) / 7
    sd = math.sqrt(sum((v - baseline) ** 2 for v in values[:-1]) / 6)
    assert last["hrv_baseline"] == pytest.approx(baseline)
    assert last["readiness_basis"] == "hrv"
    assert last["readiness_status"] == "low"
    assert last["readiness"] == round(max(0, 50 + 25 * (3.5 - baseline) / sd))


def test_undated_and_duplicate_sessions_do_not_count():
    sessions = pl.concat(
        [
            _sessions({0: 100.0}),
            _sessions({0: 100.0}, duplicate_of=0).with_columns(
                session_id=pl.lit(1, pl.Int64)
            ),
            _sessions({0: 100.0}, clock="relative").with_columns(
                session_id=pl.lit(2, pl.Int64)
            ),
        ]
    )

    assert daily_features(sessions)["load"].to_list() == [100.0]


def test_cached_refresh_equals_a_full_recompute(tmp_path):
    with Store(tmp_path / "a.db") as incremental, Store(tmp_path / "b.db") as full:
        files = sorted(SAMPLES.glob("*.*"))
        files = [f for f in files if f.suffix != ".md"]
        import_files(incremental, files[:3], UTC)
        FeatureService(incremental, Profile()).refresh()
        import_files(incremental, files[3:], UTC)
        import_files(full, files, UTC)

        step = FeatureService(incremental, Profile()).refresh()
        fresh = FeatureService(full, Profile()).refresh()

    assert step.daily.equals(fresh.daily)
    assert (
        step.sessions.drop("session_id")
        .sort("source")
        .equals(fresh.sessions.drop("session_id").sort("source"))
    )


def test_hr_max_from_easy_recordings_alone_is_not_their_peak():
    """Resting or easy sessions never show a maximum: the estimate has a floor."""
    easy = resolve_profile(Profile(), observed_hr_max=71)
    hard = resolve_profile(Profile(), observed_hr_max=186)
    aged = resolve_profile(Profile(birth_year=1960), observed_hr_max=71)

    assert (easy.hr_max, easy.hr_max_observed) == (170.0, 71)
    assert "recordings peak at 71" in easy.hr_max_source
    assert hard.hr_max == 186.0
    assert aged.hr_max > 150
    assert zone_bounds_bpm(easy)[3][0] > 140


def test_acwr_is_not_given_for_a_token_chronic_load():
    daily = daily_features(_sessions({0: 1.0, 40: 0.5}))

    assert daily["acwr"].drop_nulls().to_list() == []
