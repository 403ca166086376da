"""Features and recommendation for one moment, as the CLI and dashboard show them.

JSON keys produced here are an interface other tools script against: add keys,
never rename or remove them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import polars as pl

from fitlearn.features.service import FeatureService, FeatureSnapshot
from fitlearn.features.session import zone_bounds_bpm
from fitlearn.recommend import RecommendationContext
from fitlearn.store import Store
from plugins.recommenders import RecommendationOutcome, recommend
from tui.config import Config
from tui.training import load_trained_model

if TYPE_CHECKING:
    from fitlearn.training.predict import TrainedModel


@dataclass(frozen=True)
class Report:
    """The features of the store and the recommendation drawn from them."""

    snapshot: FeatureSnapshot
    outcome: RecommendationOutcome
    day: date | None
    model: dict[str, Any] | None = None
    """The trained model that was available (see `model_dict`), or None."""


def feature_snapshot(
    store: Store, config: Config, day: date | None = None
) -> FeatureSnapshot:
    """Refresh the features (cached per session) up to `day`."""
    return FeatureService(store, config.profile).refresh(until=day)


def build_report(store: Store, config: Config, day: date | None = None) -> Report:
    """Refresh features and ask the configured recommender.

    With a trained model (and `[training] use_model`, the default), the
    model-backed recommender answers instead of the default rules; a model or
    plugin that fails is reported and the rules answer.
    """
    snapshot = feature_snapshot(store, config, day)
    daily = snapshot.daily.filter(pl.col("date") <= day) if day else snapshot.daily
    model, model_failures = load_trained_model(config, store.path)
    context = RecommendationContext(
        today=snapshot.day(day),
        daily=daily,
        sessions=snapshot.sessions,
        profile=snapshot.profile,
        zones_bpm=zone_bounds_bpm(snapshot.profile),
        model=model,
    )
    preferred = config.recommender
    if model is not None and config.training.use_model and preferred == "rules":
        preferred = "model"
    outcome = recommend(context, preferred)
    if model_failures:
        outcome = RecommendationOutcome(
            outcome.recommendation, [*model_failures, *outcome.failures]
        )
    info = model_dict(model, outcome) if model is not None else None
    return Report(snapshot, outcome, day, info)


def model_dict(model: TrainedModel, outcome: RecommendationOutcome) -> dict[str, Any]:
    """The trained model: name, data it rests on, held-out errors, whether it answered."""
    evaluation = model.evaluation
    return {
        "name": model.name,
        "used": outcome.recommendation.recommender == "model",
        "data_basis": model.data_basis,
        "trained_at": iso_utc(model.trained_at_ms),
        "model_mae": evaluation.get("model_mae"),
        "baseline_mae": evaluation.get("baseline_mae", {}),
        "evaluated_on": evaluation.get("evaluated_on"),
    }


def iso_utc(ms: int | None) -> str | None:
    """`2024-05-12T07:00:00Z` from UTC milliseconds."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_local(ms: int | None, offset_s: int | None) -> str | None:
    """The same instant on the wall clock where it was recorded, with its offset."""
    # Limitation: a session keeps the offset of its start; a workout across a DST
    # change shows its later samples with the earlier offset (stored times are UTC).
    if ms is None or offset_s is None:
        return None
    zone = timezone(timedelta(seconds=offset_s))
    return datetime.fromtimestamp(ms / 1000, zone).isoformat(timespec="seconds")


def _clean(value: Any, digits: int = 2) -> Any:
    if isinstance(value, float):
        return round(value, digits) if math.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    return value


def _whole(value: Any) -> int | None:
    return (
        int(value) if isinstance(value, int | float) and math.isfinite(value) else None
    )


def session_dicts(snapshot: FeatureSnapshot) -> list[dict[str, Any]]:
    """One JSON-ready mapping per session, oldest first."""
    return [_session_dict(row) for row in snapshot.sessions.iter_rows(named=True)]


def _session_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["session_id"],
        "source": row["source"],
        "start": iso_utc(row["start_ms"]),
        "start_local": iso_local(row["start_ms"], row["utc_offset_s"]),
        "clock": row["clock"],
        "sport": row["sport"],
        "duration_s": _clean(row["duration_s"], 1),
        "samples": row["samples"] or 0,
        "hr_min": _whole(row["hr_min"]),
        "hr_median": _clean(row["hr_median"], 1),
        "hr_max": _whole(row["hr_max"]),
        "hr_mean": _clean(row["hr_mean"], 2),
        "rr_count": row["rr_count"] or 0,
        "rmssd_ms": _clean(row["rmssd_ms"], 2),
        "ln_rmssd": _clean(row["ln_rmssd"], 3),
        "rr_pairs_used": row["rr_pairs_used"],
        "trimp": _clean(row["trimp"], 1),
        "zones_s": [_clean(row[f"z{k}_s"], 1) for k in range(1, 6)],
        "resting_hr": _clean(row["resting_hr"], 1),
        "duplicate_of": row["duplicate_of"],
    }


def today_dict(
    snapshot: FeatureSnapshot, day: date | None = None
) -> dict[str, Any] | None:
    """The features of `day` (default: the latest day), with the profile they rest on."""
    row = snapshot.day(day)
    if row is None:
        return None
    out = {key: _clean(value) for key, value in row.items()}
    out["profile"] = snapshot.profile.as_dict()
    out["zones_bpm"] = [list(z) for z in zone_bounds_bpm(snapshot.profile)]
    return out


def recommendation_dict(report: Report) -> dict[str, Any]:
    """The recommendation, with any plugin failures on the way."""
    out = report.outcome.recommendation.as_dict()
    out["details"] = {k: _clean(v) for k, v in out["details"].items()}
    out["plugin_failures"] = [f.describe() for f in report.outcome.failures]
    out["model"] = report.model
    return out
