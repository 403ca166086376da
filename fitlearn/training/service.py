"""One place that turns the store into a training run: features, data, trainer.

Both `fitlearn train` and the daemon go through `TrainingService`, so a run is
the same whoever starts it. Torch is imported only when a run begins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from fitlearn.features.profile import Profile
from fitlearn.features.service import FeatureService
from fitlearn.store import Store
from fitlearn.store.schema import WorkoutSession
from fitlearn.training.budget import TrainingBudget
from fitlearn.training.model import ModelPlugin, check_model_plugin
from fitlearn.training.runs import RunLog
from fitlearn.training.trainer import (
    RunResult,
    StopCheck,
    Trainer,
    TrainingConfig,
    TrainingData,
    TrainingPaths,
    never_stop,
)

logger = logging.getLogger(__name__)


@dataclass
class TrainingService:
    """Trains one model plugin on one store's data."""

    store: Store
    profile: Profile
    plugin: ModelPlugin
    paths: TrainingPaths
    config: TrainingConfig
    budget: TrainingBudget

    def __post_init__(self) -> None:
        check_model_plugin(self.plugin)
        self._seen: tuple[int, int | None] | None = None

    def trainer(self, started_by: str) -> Trainer:
        """A trainer over the store's current features."""
        daily = FeatureService(self.store, self.profile).refresh().daily
        data = TrainingData.build(self.config, self.plugin.inputs.window_days, daily)
        return Trainer(
            self.plugin,
            data,
            self.paths,
            self.config,
            self.budget,
            RunLog(self.store),
            started_by,
        )

    def train(
        self,
        stop_check: StopCheck = never_stop,
        started_by: str = "cli",
        restart: bool = False,
        only_if_needed: bool = False,
    ) -> RunResult | None:
        """One budgeted run.

        Args:
            stop_check: Asked before every step.
            started_by: `cli` or `daemon`, for the record.
            restart: Train the plan from its first step.
            only_if_needed: Return None, recording nothing, when the model is
                already trained on the current data (the daemon's case).
        """
        trainer = self.trainer(started_by)
        if only_if_needed and not restart and trainer.up_to_date():
            logger.debug("Model %s is up to date; nothing to train", self.plugin.name)
            return None
        return trainer.run(stop_check, restart=restart)

    def new_data(self) -> bool:
        """Whether sessions were added or removed since the last call (first call: True)."""
        with self.store.reading() as orm:
            count, newest = orm.execute(
                select(
                    func.count(WorkoutSession.id),
                    func.max(WorkoutSession.created_at_ms),
                )
            ).one()
        seen = (int(count), newest)
        changed = seen != self._seen
        self._seen = seen
        return changed

    def refresh_features(self) -> bool:
        """Recompute features if new data arrived; whether it did."""
        if not self.new_data():
            return False
        FeatureService(self.store, self.profile).refresh()
        logger.info("New data: features refreshed")
        return True
