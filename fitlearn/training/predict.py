"""A trained model file, ready to forecast readiness for a planned workout."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import torch

from fitlearn.recommend import ReadinessForecast
from fitlearn.training import checkpoint
from fitlearn.training.dataset import CHANNEL_INDEX, channel_table
from fitlearn.training.model import ModelPlugin, ModelPluginError, build_module

TYPICAL_BASELINE_SD = 0.14
"""Day-to-day SD of lnRMSSD around its baseline in the simulated cohort; stands in
until the person has a baseline of their own."""


class TrainedModel:
    """A model plugin's module with the weights of its last complete training.

    Args:
        plugin: The plugin the file was trained with.
        payload: The model file's contents.

    Raises:
        ModelPluginError: The file belongs to another model or other inputs.
    """

    def __init__(self, plugin: ModelPlugin, payload: dict[str, Any]) -> None:
        if (
            payload.get("model") != plugin.name
            or payload.get("inputs") != plugin.inputs.describe()
        ):
            raise ModelPluginError(
                f"The saved {payload.get('model')!r} model was trained with other inputs "
                f"than plugin {plugin.name!r} declares now. Retrain: fitlearn train --restart"
            )
        self.plugin = plugin
        self.name = plugin.name
        self.module = build_module(plugin, seed=0)
        self.module.load_state_dict(payload["state_dict"])
        self.module.eval()
        basis = payload.get("data_basis") or {}
        self.data_basis: str = str(basis.get("text", "unknown data"))
        self.evaluation: dict[str, Any] = dict(payload.get("evaluation") or {})
        self.trained_at_ms: int | None = payload.get("trained_at_ms")

    @classmethod
    def load(cls, path: Path, plugin: ModelPlugin) -> TrainedModel | None:
        """The model at `path`, or None when nothing was trained yet.

        Raises:
            CheckpointError: The file is damaged.
            ModelPluginError: It does not match the plugin.
        """
        payload = checkpoint.load(path)
        return None if payload is None else cls(plugin, payload)

    def forecast(self, daily: pl.DataFrame, planned_load: float) -> ReadinessForecast:
        """Readiness the morning after a day of `planned_load` TRIMP following `daily`."""
        window = self._window(daily, planned_load)
        with torch.no_grad():
            deviation = float(self.module(window.unsqueeze(0))[0])
        sd, personal = _baseline_sd(daily)
        readiness = min(100.0, max(0.0, 50 + 25 * deviation / sd))
        return ReadinessForecast(deviation, readiness, sd, personal)

    def _window(self, daily: pl.DataFrame, planned_load: float) -> torch.Tensor:
        extended = _append_planned_day(daily, planned_load)
        table, _ = channel_table(extended)
        days = self.plugin.inputs.window_days
        # Days before the history count as untrained and unmeasured: all-zero rows.
        padding = torch.zeros(max(0, days - table.shape[0]), table.shape[1])
        window = torch.cat([padding, table])[-days:]
        return window[:, [CHANNEL_INDEX[c] for c in self.plugin.inputs.channels]]


def _append_planned_day(daily: pl.DataFrame, planned_load: float) -> pl.DataFrame:
    columns = ["date", "load", "ln_rmssd", "hrv_baseline", "resting_hr"]
    known = daily.select(columns)
    if known.is_empty():
        return pl.DataFrame(
            {
                "date": [None],
                "load": [planned_load],
                "ln_rmssd": [None],
                "hrv_baseline": [None],
                "resting_hr": [None],
            },
            schema=known.schema,
        )
    next_day = known["date"][-1] + timedelta(days=1)
    planned = pl.DataFrame(
        {"date": [next_day], "load": [planned_load]},
        schema={"date": pl.Date, "load": pl.Float64},
    )
    return pl.concat([known, planned], how="diagonal_relaxed")


def _baseline_sd(daily: pl.DataFrame) -> tuple[float, bool]:
    if "hrv_baseline_sd" in daily.columns:
        known = daily["hrv_baseline_sd"].drop_nulls().drop_nans()
        if len(known) and math.isfinite(known[-1]) and known[-1] > 0:
            return float(known[-1]), True
    return TYPICAL_BASELINE_SD, False
