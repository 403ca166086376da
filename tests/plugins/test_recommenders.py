"""Recommender plugins found through real entry points (a dist-info on sys.path)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl
import pytest

from fitlearn.features.profile import Profile, resolve_profile
from fitlearn.features.session import zone_bounds_bpm
from fitlearn.recommend import RecommendationContext, Workout
from plugins.errors import PluginNotFoundError
from plugins.manager import RECOMMENDERS_GROUP, discover
from plugins.recommenders import recommend

PLUGIN_MODULE = """
from fitlearn.recommend import Recommendation, Workout

class Steady:
    name = "steady"
    def recommend(self, context):
        return Recommendation(Workout.ENDURANCE, 2, context.zones_bpm[1], 40,
                              "always steady", self.name)

class Exploding:
    name = "exploding"
    def recommend(self, context):
        raise RuntimeError("model file missing")

class Shapeless:
    pass
"""


@pytest.fixture
def installed_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install a distribution with four recommenders, as pip would lay it out."""
    (tmp_path / "demo_recs.py").write_text(PLUGIN_MODULE)
    info = tmp_path / "demo_recs-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: demo-recs\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(f"""
        [{RECOMMENDERS_GROUP}]
        steady = demo_recs:Steady
        exploding = demo_recs:Exploding
        shapeless = demo_recs:Shapeless
        missing = demo_recs_not_installed:Thing
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def _context(today: dict[str, object] | None) -> RecommendationContext:
    profile = resolve_profile(Profile(hr_max=190, hr_rest=50), None)
    return RecommendationContext(
        today=today,
        daily=pl.DataFrame(),
        sessions=pl.DataFrame(),
        profile=profile,
        zones_bpm=zone_bounds_bpm(profile),
    )


def test_builtin_recommender_is_registered_like_any_plugin():
    assert "rules" in [ep.name for ep in discover(RECOMMENDERS_GROUP)]


def test_a_plugin_recommender_is_used_when_chosen(installed_plugins: None):
    outcome = recommend(_context(None), preferred="steady")

    assert outcome.recommendation.recommender == "steady"
    assert outcome.failures == []


@pytest.mark.parametrize(
    ("name", "stage", "text"),
    [
        ("exploding", "run", "model file missing"),
        ("shapeless", "load", "does not implement"),
        ("missing", "load", "ModuleNotFoundError"),
    ],
)
def test_a_broken_plugin_is_reported_and_the_rules_answer(
    installed_plugins: None, name: str, stage: str, text: str
):
    outcome = recommend(_context(None), preferred=name)

    assert outcome.recommendation.recommender == "rules"
    [failure] = outcome.failures
    assert (failure.name, failure.stage) == (name, stage)
    assert text in failure.error


def test_an_unknown_name_lists_what_is_installed():
    with pytest.raises(PluginNotFoundError, match=r"Installed: .*rules"):
        recommend(_context(None), preferred="nonexistent")


def _today(**values: object) -> dict[str, object]:
    base = {
        "date": None,
        "tsb": 0.0,
        "acwr": 1.0,
        "readiness_status": "normal",
        "readiness_basis": "hrv",
        "ln_rmssd": 4.0,
        "hrv_baseline": 4.0,
    }
    return base | values


@pytest.mark.parametrize(
    ("today", "workout", "cited"),
    [
        (_today(tsb=-35.0), Workout.REST, "TSB -35.0"),
        (_today(tsb=-15.0), Workout.RECOVERY, "TSB -15.0"),
        (
            _today(readiness_status="low", ln_rmssd=3.5),
            Workout.RECOVERY,
            "lnRMSSD 3.50",
        ),
        (_today(acwr=1.6), Workout.RECOVERY, "ACWR 1.60"),
        (_today(acwr=1.4), Workout.ENDURANCE, "ACWR 1.40"),
        (_today(tsb=5.0), Workout.INTERVALS, "TSB +5.0"),
    ],
)
def test_rules_cite_the_numbers_that_decided(
    today: dict[str, object], workout: Workout, cited: str
):
    recommendation = recommend(_context(today)).recommendation

    assert recommendation.workout is workout
    assert cited in recommendation.reason
    if workout is not Workout.REST:
        low, high = recommendation.zone_bpm or (0, 0)
        assert f"({low}-{high} bpm)" in recommendation.reason
