"""Model plugins through entry points: the built-in, a broken one, the guide's example."""

from __future__ import annotations

import re
import sys
import types
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import torch

import plugins.manager
from fitlearn.training import checkpoint
from fitlearn.training.budget import TrainingBudget
from fitlearn.training.model import (
    ModelInputs,
    ModelPluginError,
    build_module,
    check_model_plugin,
)
from fitlearn.training.trainer import (
    Trainer,
    TrainingConfig,
    TrainingData,
    TrainingPaths,
)
from plugins.errors import PluginNotFoundError
from plugins.models import MODELS_GROUP, GruResponseModel, load_model_plugin

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _guide_example() -> type:
    text = GUIDE.read_text(encoding="utf-8")
    code = next(
        block
        for block in re.findall(r"```python\n(.*?)```", text, re.S)
        if "class LastWeekLinear" in block
    )
    namespace: dict[str, object] = {"__name__": "guide_example"}
    exec(compile(code, str(GUIDE), "exec"), namespace)  # the page's own code, unchanged
    example = namespace["LastWeekLinear"]
    assert isinstance(example, type)
    return example


def _fake_entry_points(monkeypatch, *entries: EntryPoint) -> None:
    real = plugins.manager.entry_points  # type: ignore[attr-defined]

    def fake(group: str):
        return [e for e in entries if e.group == group] or real(group=group)

    monkeypatch.setattr(plugins.manager, "entry_points", fake)


def test_builtin_gru_is_registered_and_small():
    plugin, failures = load_model_plugin("gru")

    assert failures == []
    assert isinstance(plugin, GruResponseModel)
    parameters = sum(p.numel() for p in plugin.build().parameters())
    assert 10_000 <= parameters < 100_000


def test_unknown_model_name_says_what_is_installed():
    with pytest.raises(PluginNotFoundError, match="gru"):
        load_model_plugin("nope")


def test_a_broken_model_plugin_is_reported_and_skipped(monkeypatch):
    _fake_entry_points(
        monkeypatch, EntryPoint("broken", "no_such_module:Model", MODELS_GROUP)
    )

    plugin, failures = load_model_plugin("broken")

    assert plugin is None
    assert failures[0].name == "broken"
    assert failures[0].stage == "load"


def test_a_plugin_with_an_unknown_channel_is_rejected_with_the_known_ones():
    class Odd(GruResponseModel):
        inputs = ModelInputs(channels=("load", "vo2max"), window_days=7)

    with pytest.raises(ModelPluginError, match=r"vo2max.*choose from load, ctl"):
        check_model_plugin(Odd())


def test_the_guides_example_model_trains_with_the_same_trainer(tmp_path, monkeypatch):
    module = types.ModuleType("guide_example")
    module.LastWeekLinear = _guide_example()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "guide_example", module)
    _fake_entry_points(
        monkeypatch,
        EntryPoint("last_week_linear", "guide_example:LastWeekLinear", MODELS_GROUP),
    )
    plugin, failures = load_model_plugin("last_week_linear")
    assert plugin is not None
    assert failures == []
    config = TrainingConfig(
        seed=2,
        simulated_histories=4,
        simulated_days=200,
        pretrain_epochs=4,
        batch_size=32,
    )
    data = TrainingData.build(config, plugin.inputs.window_days, None)
    trainer = Trainer(
        plugin,
        data,
        TrainingPaths(tmp_path),
        config,
        TrainingBudget(low_priority=False),
    )
    stage = trainer.plan.stages[0]
    initial = build_module(plugin, config.seed)  # the trainer's own starting point

    result = trainer.run()

    saved = checkpoint.load(trainer.model_path)
    assert result.completed
    assert saved is not None
    assert saved["model"] == "last_week_linear"
    trained = build_module(plugin, config.seed)
    trained.load_state_dict(saved["state_dict"])
    with torch.no_grad():
        before = float(plugin.loss(initial(stage.inputs), stage.targets))
        after = float(plugin.loss(trained(stage.inputs), stage.targets))
    assert after < before / 2
