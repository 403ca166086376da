"""The Banister simulator: deterministic, varied, and physiologically shaped."""

from __future__ import annotations

import polars as pl

from fitlearn.features.daily import DAILY_COLUMNS
from fitlearn.training.simulator import ATHLETE_TYPES, simulate_athlete, simulate_cohort


def test_same_seed_same_history_other_seed_other_history():
    kind = ATHLETE_TYPES["recreational"]

    first = simulate_athlete(kind, 200, "a").daily
    again = simulate_athlete(kind, 200, "a").daily
    other = simulate_athlete(kind, 200, "b").daily

    assert first.equals(again)
    assert not first.equals(other)


def test_history_is_a_daily_feature_table_of_the_requested_length():
    history = simulate_athlete(ATHLETE_TYPES["masters"], 150, "x")

    assert set(history.daily.columns) == set(DAILY_COLUMNS)
    assert history.daily.height == 150


def test_rest_days_and_unmeasured_mornings_occur():
    daily = simulate_athlete(ATHLETE_TYPES["beginner"], 300, "r").daily

    assert (daily["load"] == 0).sum() > 60
    assert daily["ln_rmssd"].null_count() > 30
    assert daily.filter(pl.col("load") > 0).height > 60


def test_hard_days_are_followed_by_lower_hrv():
    # Banister fatigue: the morning after a hard day reads below the morning after rest.
    daily = simulate_athlete(ATHLETE_TYPES["endurance"], 365, "h").daily
    after = (
        daily.with_columns(prev_load=pl.col("load").shift(1))
        .with_columns(dev=pl.col("ln_rmssd") - pl.col("hrv_baseline"))
        .drop_nulls("dev")
    )

    after_hard = after.filter(pl.col("prev_load") > 150)["dev"].mean()
    after_rest = after.filter(pl.col("prev_load") == 0)["dev"].mean()

    assert isinstance(after_hard, float)
    assert isinstance(after_rest, float)
    assert after_hard < after_rest - 0.05


def test_athlete_types_differ():
    cohort = simulate_cohort(4, 200, seed=1)
    loads = [float(h.daily["load"].sum()) / h.daily.height for h in cohort]
    kinds = {h.athlete.split("-")[0] for h in cohort}

    assert kinds == set(ATHLETE_TYPES)
    assert max(loads) > 2 * min(loads)


def test_illness_shows_as_a_run_of_rest_days_with_low_hrv():
    # Among several athletes, some get ill: rest streaks of 3+ days with an HRV dip.
    found = False
    for history in simulate_cohort(8, 365, seed=5):
        daily = history.daily.with_columns(
            dev=pl.col("ln_rmssd") - pl.col("hrv_baseline")
        )
        low = daily.filter((pl.col("load") == 0) & (pl.col("dev") < -0.25))
        found = found or low.height >= 3
    assert found
