"""What a model plugin is: the contract between the trainer and model plugins.

A model plugin declares three things and the budgeted, charging-only trainer
does the rest (data, batches, optimiser, checkpoints, evaluation):

- `inputs`: which per-day channels it reads (names from
  `fitlearn.training.dataset.CHANNELS`) and over how many days;
- `build()`: a fresh `torch.nn.Module` mapping a float32 tensor of shape
  (batch, window_days, len(channels)) to (batch,) predictions of the next
  morning's lnRMSSD deviation from the person's baseline (`TARGET`);
- `loss(predicted, target)`: a scalar tensor to minimise.

Plugins register in the `fitlearn.models` entry-point group; `plugins.models`
finds them. See docs/plugins.md for a complete example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch

from fitlearn.errors import FitlearnError
from fitlearn.training.dataset import CHANNELS, TARGET

MAX_WINDOW_DAYS = 120


class ModelPluginError(FitlearnError):
    """A model plugin does not fit the contract, or its module misbehaves."""


@dataclass(frozen=True)
class ModelInputs:
    """What a model reads."""

    channels: tuple[str, ...]
    """Per-day channels, by name (see `CHANNELS`), in the order the module sees them."""
    window_days: int
    """How many days before the target day the module sees."""
    target: str = TARGET
    """What it predicts; `hrv_dev_next` is the only target today."""

    def describe(self) -> dict[str, Any]:
        """JSON-ready, for model files and plan identity."""
        return {
            "channels": list(self.channels),
            "window_days": self.window_days,
            "target": self.target,
        }


@runtime_checkable
class ModelPlugin(Protocol):
    """A trainable next-day response model."""

    name: str
    """Short, unique; names the model file and is shown to the user."""
    inputs: ModelInputs

    def build(self) -> torch.nn.Module:
        """A freshly initialised module (the trainer seeds torch before calling)."""
        ...

    def loss(self, predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The training loss for a batch, a scalar tensor."""
        ...


def check_model_plugin(plugin: Any) -> None:
    """Raise `ModelPluginError` saying what is wrong with `plugin`, if anything."""
    name = getattr(plugin, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        raise ModelPluginError(
            f"A model plugin needs a `name` that is a plain identifier, got {name!r}."
        )
    if not isinstance(plugin, ModelPlugin):
        raise ModelPluginError(
            f"Model plugin {name!r} must have `inputs`, `build()` and `loss()`."
        )
    inputs = plugin.inputs
    if not isinstance(inputs, ModelInputs):
        raise ModelPluginError(
            f"Model plugin {name!r}: `inputs` must be a ModelInputs."
        )
    unknown = [c for c in inputs.channels if c not in CHANNELS]
    if unknown or not inputs.channels:
        raise ModelPluginError(
            f"Model plugin {name!r} asks for unknown channels {unknown or '(none)'}; "
            f"choose from {', '.join(CHANNELS)}."
        )
    if not 1 <= inputs.window_days <= MAX_WINDOW_DAYS:
        raise ModelPluginError(
            f"Model plugin {name!r}: window_days must be 1-{MAX_WINDOW_DAYS}, "
            f"got {inputs.window_days}."
        )
    if inputs.target != TARGET:
        raise ModelPluginError(
            f"Model plugin {name!r} predicts {inputs.target!r}; only {TARGET!r} is supported."
        )


def build_module(plugin: ModelPlugin, seed: int) -> torch.nn.Module:
    """The plugin's module, initialised reproducibly and checked on a dummy batch.

    Raises:
        ModelPluginError: `build()` fails or the module returns the wrong shape.
    """
    torch.manual_seed(seed)
    try:
        module = plugin.build()
        probe = torch.zeros(2, plugin.inputs.window_days, len(plugin.inputs.channels))
        with torch.no_grad():
            shape = tuple(module(probe).shape)
    except Exception as exc:
        raise ModelPluginError(
            f"Model plugin {plugin.name!r} failed to build: {exc}"
        ) from exc
    if shape != (2,):
        raise ModelPluginError(
            f"Model plugin {plugin.name!r} returns shape {shape} for a batch of 2; "
            "it must return one prediction per sample, shape (batch,)."
        )
    return module


def parameter_count(module: torch.nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
