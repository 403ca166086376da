"""The built-in response model: a small GRU over the last three weeks.

About 17 000 parameters: a one-layer GRU (64 units) reads 21 days of all
channels, and a two-layer head turns its last state into the next morning's
lnRMSSD deviation. The Huber loss keeps an illness day (a large, rare dip) from
dominating what the model learns about ordinary training days.
"""

from __future__ import annotations

import torch
from torch import nn

from fitlearn.training.dataset import CHANNELS
from fitlearn.training.model import ModelInputs

HIDDEN = 64
HEAD = 32
HUBER_DELTA = 0.1


class GruRegressor(nn.Module):
    """(batch, days, channels) -> (batch,)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gru = nn.GRU(channels, HIDDEN, batch_first=True)
        self.head = nn.Sequential(
            nn.Linear(HIDDEN, HEAD), nn.ReLU(), nn.Linear(HEAD, 1)
        )

    def forward(self, days: torch.Tensor) -> torch.Tensor:
        """Predict from the GRU's state after the last day."""
        _, last = self.gru(days)
        prediction: torch.Tensor = self.head(last[-1]).squeeze(-1)
        return prediction


class GruResponseModel:
    """Model plugin `gru`: all channels, 21 days, Huber loss."""

    name = "gru"
    inputs = ModelInputs(channels=tuple(CHANNELS), window_days=21)

    def build(self) -> nn.Module:
        """A fresh `GruRegressor`."""
        return GruRegressor(len(self.inputs.channels))

    def loss(self, predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Huber loss, quadratic within 0.1 ln ms of the target."""
        return nn.functional.huber_loss(predicted, target, delta=HUBER_DELTA)
