"""Model plugins (`fitlearn.models`): the built-in one and finding the others.

A plugin that fails to import, does not fit `fitlearn.training.model.ModelPlugin`
or fails to build is reported as a `PluginFailure` and skipped, exactly like a
broken recommender.
"""

from __future__ import annotations

from typing import Any

from fitlearn.training.model import ModelPlugin, ModelPluginError, check_model_plugin
from plugins.manager import LoadedPlugin, PluginFailure, load_plugins
from plugins.models.gru import GruResponseModel

__all__ = ["MODELS_GROUP", "GruResponseModel", "is_model_plugin", "load_model_plugin"]

MODELS_GROUP = "fitlearn.models"
DEFAULT_MODEL = "gru"


def is_model_plugin(plugin: Any) -> bool:
    """Whether `plugin` fits the contract (the manager's validity check)."""
    check_model_plugin(plugin)  # raises with a message that says what is missing
    return True


def load_model_plugin(
    name: str = DEFAULT_MODEL,
) -> tuple[ModelPlugin | None, list[PluginFailure]]:
    """The installed model plugin called `name`, or None and why not.

    Raises:
        PluginNotFoundError: No model plugin of that name is installed.
    """
    loaded, failures = load_plugins(MODELS_GROUP, is_model_plugin, only=name)
    return (_plugin(loaded[0]) if loaded else None), failures


def _plugin(loaded: LoadedPlugin) -> ModelPlugin:
    plugin = loaded.plugin
    if not isinstance(plugin, ModelPlugin):
        raise ModelPluginError(f"{loaded.name} is not a model plugin")
    return plugin
