"""Wiring for training: from the config file to probes, services and models.

The core (`fitlearn.power`, `fitlearn.training`) takes plain objects; this
module builds them from `[training]` settings, finds the model plugin and
knows where each database's checkpoints live. Torch is imported only when a
model is actually trained or loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fitlearn.power import SYSFS_POWER_SUPPLY, ChainedProbe, ChargingGate, default_probe
from fitlearn.store import Store
from fitlearn.training.schedule import DaemonSettings, TrainingDaemon
from plugins.errors import PluginError
from plugins.manager import PluginFailure
from tui.config import Config, ConfigError, TrainingSettings
from tui.locations import training_dir

if TYPE_CHECKING:
    from fitlearn.training.budget import TrainingBudget
    from fitlearn.training.model import ModelPlugin
    from fitlearn.training.predict import TrainedModel
    from fitlearn.training.service import TrainingService
    from fitlearn.training.trainer import TrainingConfig, TrainingPaths

SYSFS_ROOT = SYSFS_POWER_SUPPLY
"""The power-supply folder the probes read (tests point it at a fake tree)."""


def training_paths(db_path: Path) -> TrainingPaths:
    """Where this database's checkpoints and models live."""
    from fitlearn.training.trainer import TrainingPaths

    return TrainingPaths(training_dir(db_path))


def power_probe(settings: TrainingSettings) -> ChainedProbe:
    """Config override, then sysfs, then psutil."""
    return default_probe(settings.power, SYSFS_ROOT)


def charging_gate(settings: TrainingSettings) -> ChargingGate:
    """The training rule with the configured battery threshold."""
    return ChargingGate(settings.min_battery_percent)


def training_config(settings: TrainingSettings) -> TrainingConfig:
    """The plan settings."""
    from fitlearn.training.trainer import TrainingConfig

    return TrainingConfig(
        seed=settings.seed,
        simulated_histories=settings.simulated_histories,
        simulated_days=settings.simulated_days,
        pretrain_epochs=settings.pretrain_epochs,
        finetune_epochs=settings.finetune_epochs,
    )


def training_budget(
    settings: TrainingSettings, max_minutes: float | None = None
) -> TrainingBudget:
    """The per-run budget; `max_minutes` overrides the configured cap."""
    from fitlearn.training.budget import TrainingBudget

    minutes = settings.max_minutes if max_minutes is None else max_minutes
    return TrainingBudget(
        threads=settings.threads,
        max_wall_s=minutes * 60,
        max_memory_mb=settings.max_memory_mb,
    )


def training_service(
    store: Store, config: Config, max_minutes: float | None = None
) -> TrainingService:
    """The service that trains the configured model on `store`.

    Raises:
        ConfigError: The configured model plugin is missing or broken.
    """
    from fitlearn.training.service import TrainingService

    plugin, failures = _model_plugin(config.training.model)
    if plugin is None:
        reasons = "; ".join(f.describe() for f in failures)
        raise ConfigError(
            f"Cannot train: {reasons}. Fix or uninstall the plugin, or set "
            '[training] model = "gru" in the config file.'
        )
    return TrainingService(
        store,
        config.profile,
        plugin,
        training_paths(store.path),
        training_config(config.training),
        training_budget(config.training, max_minutes),
    )


def build_daemon(store: Store, config: Config) -> TrainingDaemon:
    """The daemon for `store`, configured from `[training]`."""
    from fitlearn.training.idle import IdleMeter

    settings = config.training
    return TrainingDaemon(
        training_service(store, config),
        power_probe(settings).read,
        charging_gate(settings),
        DaemonSettings(
            check_interval_s=settings.check_minutes * 60,
            max_busy_fraction=settings.max_busy_percent / 100,
        ),
        idle=IdleMeter(),
        status_path=training_paths(store.path).daemon_status,
        timezone=config.timezone(),
    )


def load_trained_model(
    config: Config, db_path: Path
) -> tuple[TrainedModel | None, list[PluginFailure]]:
    """The configured model's last complete training, if there is one.

    A broken plugin or a damaged model file is a failure to report, never an
    error: the rules still answer.
    """
    name = config.training.model
    path = training_paths(db_path).model(name)
    if not path.exists():
        return None, []
    plugin, failures = _model_plugin(name)
    if plugin is None:
        return None, failures
    from fitlearn.errors import FitlearnError
    from fitlearn.training.predict import TrainedModel

    try:
        return TrainedModel.load(path, plugin), failures
    except FitlearnError as exc:
        return None, [*failures, PluginFailure(name, "load", str(exc))]


def _model_plugin(name: str) -> tuple[ModelPlugin | None, list[PluginFailure]]:
    from fitlearn.training.model import ModelPluginError
    from plugins.models import load_model_plugin

    try:
        return load_model_plugin(name)
    except (PluginError, ModelPluginError) as exc:
        return None, [PluginFailure(name, "load", str(exc))]
