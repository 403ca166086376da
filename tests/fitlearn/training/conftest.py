from __future__ import annotations

import pytest

from fitlearn.training.budget import TrainingBudget
from fitlearn.training.trainer import TrainingConfig, TrainingData, TrainingPaths
from plugins.models.gru import GruResponseModel

TINY = TrainingConfig(
    seed=3, simulated_histories=3, simulated_days=120, pretrain_epochs=2, batch_size=16
)
"""A plan of a few dozen steps: enough to interrupt, quick to finish."""


@pytest.fixture
def gru() -> GruResponseModel:
    return GruResponseModel()


@pytest.fixture
def tiny_data(gru) -> TrainingData:
    return TrainingData.build(TINY, gru.inputs.window_days, None)


@pytest.fixture
def budget() -> TrainingBudget:
    # Priority stays normal so the suite's own thread is not reniced.
    return TrainingBudget(low_priority=False, checkpoint_every_s=3600)


@pytest.fixture
def paths(tmp_path) -> TrainingPaths:
    return TrainingPaths(tmp_path / "training")
