"""The model-backed recommender: hardest workout in band, reasons with numbers, fallback."""

from __future__ import annotations

import polars as pl
import pytest

from fitlearn.features.profile import Profile, resolve_profile
from fitlearn.features.session import zone_bounds_bpm
from fitlearn.recommend import ReadinessForecast, RecommendationContext, Workout
from fitlearn.training.predict import TrainedModel
from fitlearn.training.simulator import ATHLETE_TYPES, simulate_athlete
from plugins.recommenders import recommend
from plugins.recommenders.model import ModelRecommender, planned_trimp


class LinearModel:
    """Readiness falls linearly with planned load."""

    name = "fake"
    data_basis = "made-up numbers"

    def __init__(self, rested: float, per_trimp: float) -> None:
        self.rested, self.per_trimp = rested, per_trimp

    def forecast(self, daily: pl.DataFrame, planned_load: float) -> ReadinessForecast:
        readiness = self.rested - self.per_trimp * planned_load
        return ReadinessForecast((readiness - 50) / 25 * 0.1, readiness, 0.1, True)


def _context(model=None, daily: pl.DataFrame | None = None) -> RecommendationContext:
    if daily is None:
        daily = simulate_athlete(ATHLETE_TYPES["recreational"], 90, "ctx").daily
    profile = resolve_profile(Profile(hr_max=190, hr_rest=50, sex="female"), None)
    return RecommendationContext(
        today=daily.row(-1, named=True) if not daily.is_empty() else None,
        daily=daily,
        sessions=pl.DataFrame(),
        profile=profile,
        zones_bpm=[(round(lo), round(hi)) for lo, hi in zone_bounds_bpm(profile)],
        model=model,
    )


def test_planned_loads_rise_with_the_workout():
    profile = _context().profile
    loads = [
        planned_trimp(w, profile)
        for w in (
            Workout.REST,
            Workout.RECOVERY,
            Workout.ENDURANCE,
            Workout.TEMPO,
            Workout.INTERVALS,
        )
    ]

    assert loads[0] == 0
    assert loads == sorted(loads)
    assert len(set(loads)) == 5


def test_picks_the_hardest_workout_that_keeps_readiness_in_band():
    context = _context(LinearModel(rested=75, per_trimp=0.4))
    profile = context.profile
    tempo = 75 - 0.4 * planned_trimp(Workout.TEMPO, profile)
    intervals = 75 - 0.4 * planned_trimp(Workout.INTERVALS, profile)
    assert intervals < 25 <= tempo  # the line falls between tempo and intervals

    result = ModelRecommender().recommend(context)

    assert result.workout is Workout.TEMPO
    assert result.recommender == "model"
    assert f"readiness {tempo:.0f}" in result.reason
    assert (
        f"intervals (~{planned_trimp(Workout.INTERVALS, profile):.0f} TRIMP) would give "
        f"{intervals:.0f}" in result.reason
    )
    assert "band 25-75" in result.reason
    assert result.details["forecast_tempo"] == pytest.approx(tempo, abs=0.05)
    assert result.details["data_basis"] == "made-up numbers"


def test_rested_person_gets_intervals():
    result = ModelRecommender().recommend(
        _context(LinearModel(rested=95, per_trimp=0.1))
    )

    assert result.workout is Workout.INTERVALS


def test_when_everything_is_below_band_the_best_forecast_wins():
    result = ModelRecommender().recommend(
        _context(LinearModel(rested=10, per_trimp=0.05))
    )

    assert result.workout is Workout.REST
    assert "below your band" in result.reason


def test_without_a_model_the_rules_answer_and_the_failure_is_reported():
    outcome = recommend(_context(model=None), preferred="model")

    assert outcome.recommendation.recommender == "rules"
    assert outcome.failures
    assert "no trained model" in outcome.failures[0].error


def test_without_any_day_on_record_it_says_so():
    empty = simulate_athlete(ATHLETE_TYPES["recreational"], 60, "e").daily.clear()

    result = ModelRecommender().recommend(_context(LinearModel(50, 0.1), daily=empty))

    assert "No workouts stored yet" in result.reason


def test_a_real_trained_model_forecasts_on_the_readiness_scale(tmp_path, gru):
    from fitlearn.training.budget import TrainingBudget
    from fitlearn.training.trainer import Trainer, TrainingData, TrainingPaths
    from tests.fitlearn.training.conftest import TINY

    data = TrainingData.build(TINY, gru.inputs.window_days, None)
    trainer = Trainer(
        gru, data, TrainingPaths(tmp_path), TINY, TrainingBudget(low_priority=False)
    )
    trainer.run()
    model = TrainedModel.load(trainer.model_path, gru)
    assert model is not None
    daily = simulate_athlete(ATHLETE_TYPES["endurance"], 120, "real").daily
    short = daily.head(3).with_columns(hrv_baseline_sd=pl.lit(None, pl.Float64))

    with_baseline = model.forecast(daily, 100.0)
    without = model.forecast(short, 100.0)

    assert 0 <= with_baseline.readiness <= 100
    assert with_baseline.sd_is_personal
    assert not without.sd_is_personal
    assert without.baseline_sd == pytest.approx(0.14)
    assert "simulated" in model.data_basis
    result = ModelRecommender().recommend(_context(model, daily))
    assert result.recommender == "model"
    assert "Model gru forecasts readiness" in result.reason
