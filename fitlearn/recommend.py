"""What a recommender is: the contract between the core and recommender plugins.

A recommender reads the features of the latest day (and of the days before) and
proposes the next workout with a one-line reason that cites the numbers it used.
Plugins implement `Recommender`; `plugins.manager` finds them through the
`fitlearn.recommenders` entry-point group.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import polars as pl

from fitlearn.features.profile import ResolvedProfile


class Workout(enum.StrEnum):
    """The kinds of workout a recommender can propose, easiest first."""

    REST = "rest"
    RECOVERY = "recovery"
    ENDURANCE = "endurance"
    TEMPO = "tempo"
    INTERVALS = "intervals"


@dataclass(frozen=True)
class Recommendation:
    """The next workout and why."""

    workout: Workout
    target_zone: int | None
    """Heart-rate zone 1-5 to stay in (None for rest)."""
    zone_bpm: tuple[int, int] | None
    """The target zone's range, bpm."""
    duration_min: int
    reason: str
    """One line citing the numbers that decided."""
    recommender: str
    """The name of the recommender that made it."""
    details: dict[str, Any] = field(default_factory=dict)
    """Numbers behind the reason, for JSON output and the dashboard."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "workout": str(self.workout),
            "target_zone": self.target_zone,
            "zone_bpm": list(self.zone_bpm) if self.zone_bpm else None,
            "duration_min": self.duration_min,
            "reason": self.reason,
            "recommender": self.recommender,
            "details": self.details,
        }


@dataclass(frozen=True)
class ReadinessForecast:
    """What a trained model expects the morning after a planned workout."""

    hrv_deviation: float
    """Predicted lnRMSSD minus the person's 60-day baseline, ln ms."""
    readiness: float
    """The same on the readiness scale: clip(50 + 25 x deviation / SD, 0, 100)."""
    baseline_sd: float
    """The SD used for the scale."""
    sd_is_personal: bool
    """False when the person has no HRV baseline yet and a typical SD stood in."""


@runtime_checkable
class ReadinessModel(Protocol):
    """A trained next-day response model, as a recommender sees it."""

    name: str
    data_basis: str
    """Which data it rests on, in one sentence."""

    def forecast(self, daily: pl.DataFrame, planned_load: float) -> ReadinessForecast:
        """Readiness the morning after a day with `planned_load` (TRIMP) after `daily`."""
        ...


@dataclass(frozen=True)
class RecommendationContext:
    """Everything a recommender may read."""

    today: dict[str, Any] | None
    """The latest day's features (a row of the daily table), or None without data."""
    daily: pl.DataFrame
    """All days up to today (see `fitlearn.features.daily`)."""
    sessions: pl.DataFrame
    """Per-session features."""
    profile: ResolvedProfile
    zones_bpm: list[tuple[int, int]]
    """Zones 1-5 as bpm ranges for this profile."""
    model: ReadinessModel | None = None
    """The trained response model, when there is one."""


@runtime_checkable
class Recommender(Protocol):
    """A plugin that proposes the next workout."""

    name: str
    """Short, unique, shown to the user next to each recommendation."""

    def recommend(self, context: RecommendationContext) -> Recommendation:
        """Propose the next workout.

        Raises:
            Any exception: the plugin manager reports it and skips this plugin.
        """
        ...
