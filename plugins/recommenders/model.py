"""The model-backed recommender: the hardest workout that keeps readiness in band.

For each workout the rules know (rest, recovery, endurance, tempo, intervals,
with the same zones and durations), it estimates the day's load in TRIMP and
asks the trained model what readiness the next morning would be. It proposes
the hardest workout whose forecast stays at or above the lower edge of the
person's band (within one SD of their HRV baseline: readiness 25-75). When
even rest falls below the band, it proposes the workout with the best forecast.

The reason names the model, the data it rests on, the forecast and the next
harder workout's forecast, so the person can see where the line was drawn.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from fitlearn.features.profile import ResolvedProfile
from fitlearn.features.session import trimp_weights
from fitlearn.recommend import (
    ReadinessForecast,
    ReadinessModel,
    Recommendation,
    RecommendationContext,
    Workout,
)
from plugins.recommenders.rules import TARGETS, RuleBasedRecommender

BAND = (25.0, 75.0)
"""Readiness within one SD of the person's baseline (status `normal`)."""
HARDEST_FIRST = (
    Workout.INTERVALS,
    Workout.TEMPO,
    Workout.ENDURANCE,
    Workout.RECOVERY,
    Workout.REST,
)
ZONE_MID_HRR = {1: 0.5, 2: 0.65, 3: 0.75, 4: 0.85, 5: 0.95}
"""Middle of each zone as a fraction of heart-rate reserve."""


class NoModelError(RuntimeError):
    """The recommender was chosen but no trained model was handed in."""


class ModelRecommender:
    """Recommends from a trained next-day readiness model."""

    name = "model"

    def recommend(self, context: RecommendationContext) -> Recommendation:
        """Pick the workout as the module docstring describes."""
        model = context.model
        if model is None:
            raise NoModelError(
                "no trained model yet: run `fitlearn train`, or let `fitlearn daemon` "
                "train while the machine charges"
            )
        if context.today is None:
            return _without_history(context)
        loads = {w: planned_trimp(w, context.profile) for w in HARDEST_FIRST}
        forecasts = {w: model.forecast(context.daily, loads[w]) for w in HARDEST_FIRST}
        choice = _choose(forecasts)
        zone, minutes = TARGETS[choice]
        bpm = context.zones_bpm[zone - 1] if zone is not None else None
        return Recommendation(
            workout=choice,
            target_zone=zone,
            zone_bpm=bpm,
            duration_min=minutes,
            reason=_reason(model, choice, forecasts, loads, bpm, minutes),
            recommender=self.name,
            details=_details(model, forecasts, loads),
        )


def _without_history(context: RecommendationContext) -> Recommendation:
    # With no day on record every input is empty: a forecast would be the model's prior.
    fallback = RuleBasedRecommender().recommend(context)
    return replace(
        fallback,
        reason="No workouts stored yet, so the model has nothing to forecast from. "
        + fallback.reason,
        recommender=ModelRecommender.name,
    )


def planned_trimp(workout: Workout, profile: ResolvedProfile) -> float:
    """Banister TRIMP of the workout's minutes at the middle of its zone."""
    zone, minutes = TARGETS[workout]
    if zone is None or minutes == 0:
        return 0.0
    # Limitation: the whole session is counted at its zone's middle; warm-up,
    # cool-down and the rests between intervals are not modelled.
    a, b = trimp_weights(profile)
    reserve = ZONE_MID_HRR[zone]
    return minutes * reserve * a * math.exp(b * reserve)


def _choose(forecasts: dict[Workout, ReadinessForecast]) -> Workout:
    for workout in HARDEST_FIRST:
        if forecasts[workout].readiness >= BAND[0]:
            return workout
    return max(HARDEST_FIRST, key=lambda w: forecasts[w].readiness)


def _reason(
    model: ReadinessModel,
    choice: Workout,
    forecasts: dict[Workout, ReadinessForecast],
    loads: dict[Workout, float],
    bpm: tuple[int, int] | None,
    minutes: int,
) -> str:
    chosen = forecasts[choice]
    inside = chosen.readiness >= BAND[0]
    where = (
        f"inside your band {BAND[0]:.0f}-{BAND[1]:.0f}"
        if inside
        else f"below your band {BAND[0]:.0f}-{BAND[1]:.0f} whatever you do; this is the best"
    )
    parts = [
        f"Model {model.name} forecasts readiness {chosen.readiness:.0f} tomorrow after "
        f"{choice} (~{loads[choice]:.0f} TRIMP), {where}"
    ]
    harder = HARDEST_FIRST.index(choice) - 1
    if harder >= 0:
        other = HARDEST_FIRST[harder]
        parts.append(
            f"{other} (~{loads[other]:.0f} TRIMP) would give {forecasts[other].readiness:.0f}"
        )
    if not chosen.sd_is_personal:
        parts.append(
            f"scale uses a typical SD of {chosen.baseline_sd:.2f} ln ms (no HRV baseline of "
            "your own yet)"
        )
    target = (
        f" in zone {TARGETS[choice][0]} ({bpm[0]}-{bpm[1]} bpm) for {minutes} min"
        if bpm
        else ""
    )
    return f"{'; '.join(parts)}. So {choice}{target}."


def _details(
    model: ReadinessModel,
    forecasts: dict[Workout, ReadinessForecast],
    loads: dict[Workout, float],
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "model": model.name,
        "data_basis": model.data_basis,
        "band_low": BAND[0],
        "band_high": BAND[1],
    }
    for workout, forecast in forecasts.items():
        details[f"forecast_{workout}"] = round(forecast.readiness, 1)
        details[f"trimp_{workout}"] = round(loads[workout], 1)
    details["baseline_sd"] = round(next(iter(forecasts.values())).baseline_sd, 3)
    return details
