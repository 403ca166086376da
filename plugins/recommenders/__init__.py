"""Recommender plugins: the built-in one and running whichever is chosen.

`recommend` runs the chosen recommender; if it fails to load or raises, the
failure is reported and the built-in rules answer instead, so the user always
gets a recommendation and always learns that a plugin misbehaved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fitlearn.recommend import Recommendation, RecommendationContext, Recommender
from plugins.manager import (
    RECOMMENDERS_GROUP,
    LoadedPlugin,
    PluginFailure,
    call_guarded,
    load_plugins,
)
from plugins.recommenders.rules import RuleBasedRecommender

__all__ = ["RecommendationOutcome", "RuleBasedRecommender", "recommend"]


@dataclass(frozen=True)
class RecommendationOutcome:
    """A recommendation, and the plugins that failed on the way to it."""

    recommendation: Recommendation
    failures: list[PluginFailure] = field(default_factory=list)


def _is_recommender(plugin: object) -> bool:
    return isinstance(plugin, Recommender) and isinstance(
        getattr(plugin, "name", None), str
    )


def recommend(
    context: RecommendationContext, preferred: str = "rules"
) -> RecommendationOutcome:
    """Ask the `preferred` recommender, falling back to the built-in rules.

    Raises:
        PluginNotFoundError: No recommender named `preferred` is installed.
    """
    loaded, failures = load_plugins(RECOMMENDERS_GROUP, _is_recommender, only=preferred)
    for plugin in loaded:
        result, failure = call_guarded(plugin, lambda p: p.recommend(context))
        if isinstance(result, Recommendation):
            return RecommendationOutcome(result, failures)
        failures.append(
            failure
            or PluginFailure(plugin.name, "run", "did not return a Recommendation")
        )
    fallback = LoadedPlugin("rules", RuleBasedRecommender(), None)
    result, failure = call_guarded(fallback, lambda p: p.recommend(context))
    assert isinstance(result, Recommendation), failure
    return RecommendationOutcome(result, failures)
