"""The built-in recommender: transparent rules over load, form and readiness.

Rules, first match wins:

1. No data yet: easy endurance to start a baseline.
2. Readiness low (HRV below the person's band, or resting HR up by > 5 bpm):
   rest if also fatigued (TSB < -10), else recovery.
3. TSB below -30: rest.
4. TSB below -10, or ACWR above 1.5: recovery.
5. ACWR above 1.3: endurance (load is rising fast; hold it).
6. Three or more days since the last hard day and TSB at least -5: intervals.
7. Two days since the last hard day: tempo.
8. Otherwise: endurance.

A hard day is one with at least 10 minutes in zones 4-5.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import polars as pl

from fitlearn.recommend import Recommendation, RecommendationContext, Workout

HARD_DAY_Z45_S = 600
TARGETS: dict[Workout, tuple[int | None, int]] = {
    Workout.REST: (None, 0),
    Workout.RECOVERY: (1, 30),
    Workout.ENDURANCE: (2, 60),
    Workout.TEMPO: (3, 50),
    Workout.INTERVALS: (4, 45),
}


class RuleBasedRecommender:
    """Recommends from TSB, ACWR, readiness and days since the last hard day."""

    name = "rules"

    def recommend(self, context: RecommendationContext) -> Recommendation:
        """Apply the rules in the module docstring."""
        today = context.today
        if today is None:
            return self._make(
                context,
                Workout.ENDURANCE,
                "No workouts stored yet: an easy zone-2 session starts your baseline",
                {},
                duration_min=45,
            )
        facts = _facts(today, _days_since_hard(context))
        workout, why = _decide(facts)
        return self._make(context, workout, f"{_describe(facts)}: {why}", facts)

    def _make(
        self,
        context: RecommendationContext,
        workout: Workout,
        reason: str,
        facts: dict[str, Any],
        duration_min: int | None = None,
    ) -> Recommendation:
        zone, default_minutes = TARGETS[workout]
        minutes = default_minutes if duration_min is None else duration_min
        bpm = context.zones_bpm[zone - 1] if zone is not None else None
        target = (
            f" in zone {zone} ({bpm[0]}-{bpm[1]} bpm) for {minutes} min" if bpm else ""
        )
        return Recommendation(
            workout=workout,
            target_zone=zone,
            zone_bpm=bpm,
            duration_min=minutes,
            reason=f"{reason}, so {workout}{target}.",
            recommender=self.name,
            details=facts,
        )


def _facts(today: dict[str, Any], days_since_hard: int | None) -> dict[str, Any]:
    def number(key: str) -> float | None:
        value = today.get(key)
        return (
            float(value)
            if isinstance(value, int | float) and math.isfinite(value)
            else None
        )

    return {
        "date": str(today.get("date")),
        "tsb": number("tsb"),
        "acwr": number("acwr"),
        "ctl": number("ctl"),
        "atl": number("atl"),
        "readiness": number("readiness"),
        "readiness_status": today.get("readiness_status") or "unknown",
        "readiness_basis": today.get("readiness_basis") or "none",
        "ln_rmssd": number("ln_rmssd"),
        "hrv_baseline": number("hrv_baseline"),
        "resting_hr_trend": number("resting_hr_trend"),
        "days_since_hard": days_since_hard,
    }


def _decide(f: dict[str, Any]) -> tuple[Workout, str]:
    tsb = f["tsb"] if f["tsb"] is not None else 0.0
    acwr = f["acwr"]
    since_hard = f["days_since_hard"]
    if f["readiness_status"] == "low":
        if tsb < -10:
            return Workout.REST, "readiness is low and you carry fatigue"
        return Workout.RECOVERY, "readiness is low"
    if tsb < -30:
        return Workout.REST, "deep fatigue"
    if tsb < -10:
        return Workout.RECOVERY, "fatigue outweighs fitness"
    if acwr is not None and acwr > 1.5:
        return Workout.RECOVERY, "this week's load is far above your usual"
    if acwr is not None and acwr > 1.3:
        return Workout.ENDURANCE, "load is rising fast; hold it steady"
    if (since_hard is None or since_hard >= 3) and tsb >= -5:
        return Workout.INTERVALS, _since_text(since_hard) + " and you are fresh"
    if since_hard is not None and since_hard >= 2:
        return Workout.TEMPO, _since_text(since_hard)
    return Workout.ENDURANCE, "a hard day was recent; build aerobic base"


def _since_text(days: int | None) -> str:
    if days is None:
        return "no hard session on record"
    return f"{days} days since the last hard session"


def _describe(f: dict[str, Any]) -> str:
    parts = [f"TSB {_fmt(f['tsb'], '+.1f')}"]
    parts.append(f"ACWR {_fmt(f['acwr'], '.2f')}")
    if f["readiness_basis"] == "hrv":
        parts.append(
            f"HRV {f['readiness_status']} (lnRMSSD {_fmt(f['ln_rmssd'], '.2f')} vs "
            f"baseline {_fmt(f['hrv_baseline'], '.2f')})"
        )
    elif f["readiness_basis"] == "resting_hr":
        parts.append(
            f"resting HR {_fmt(f['resting_hr_trend'], '+.1f')} bpm vs baseline "
            f"({f['readiness_status']})"
        )
    else:
        parts.append("readiness unknown (no HRV or resting-HR history)")
    return ", ".join(parts)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _days_since_hard(context: RecommendationContext) -> int | None:
    sessions = context.sessions
    today = context.today
    if today is None or sessions.is_empty() or "z4_s" not in sessions.columns:
        return None
    hard = sessions.filter(
        pl.col("start_ms").is_not_null()
        & pl.col("duplicate_of").is_null()
        & (
            (pl.col("z4_s").fill_null(0) + pl.col("z5_s").fill_null(0))
            >= HARD_DAY_Z45_S
        )
    )
    if hard.is_empty():
        return None
    local_ms = pl.col("start_ms") + pl.col("utc_offset_s").fill_null(0) * 1000
    last: date = hard.select(
        pl.from_epoch(local_ms, time_unit="ms").dt.date().max()
    ).item()
    day = today["date"]
    return (day - last).days if isinstance(day, date) else None
