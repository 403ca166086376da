"""Finding plugins through entry points, and keeping a broken one from hurting.

Every plugin is loaded and called inside a guard: a plugin that fails to import,
has the wrong shape, or raises when called is reported (`PluginFailure`) and
skipped. Nothing a plugin does can stop fitlearn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, TypeVar

from plugins.errors import PluginNotFoundError

logger = logging.getLogger(__name__)

T = TypeVar("T")

RECOMMENDERS_GROUP = "fitlearn.recommenders"


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that was skipped, and why."""

    name: str
    stage: str
    """`load` (import or construction failed) or `run` (it raised when called)."""
    error: str

    def describe(self) -> str:
        """One line for the user."""
        return (
            f"plugin {self.name!r} failed to {self.stage} and was skipped: {self.error}"
        )


@dataclass(frozen=True)
class LoadedPlugin:
    """A plugin that loaded, with where it came from."""

    name: str
    plugin: Any
    distribution: str | None


def discover(group: str) -> list[EntryPoint]:
    """The entry points installed in `group`, sorted by name."""
    return sorted(entry_points(group=group), key=lambda ep: ep.name)


def load_plugins(
    group: str, is_valid: Callable[[Any], bool], only: str | None = None
) -> tuple[list[LoadedPlugin], list[PluginFailure]]:
    """Load and instantiate the plugins of `group`.

    Args:
        group: Entry-point group.
        is_valid: Checks the instance has the shape the group requires.
        only: Load only the plugin with this name.

    Returns:
        The plugins that loaded, and the failures.

    Raises:
        PluginNotFoundError: `only` names no installed plugin.
    """
    found = discover(group)
    if only is not None:
        found = [ep for ep in found if ep.name == only]
        if not found:
            installed = ", ".join(ep.name for ep in discover(group)) or "none"
            raise PluginNotFoundError(
                f"No plugin named {only!r} in {group}. Installed: {installed}."
            )
    loaded, failures = [], []
    for entry in found:
        try:
            plugin = _instantiate(entry, group, is_valid)
        except Exception as exc:  # a broken plugin is reported, never fatal
            failures.append(
                PluginFailure(entry.name, "load", f"{type(exc).__name__}: {exc}")
            )
            logger.warning("%s", failures[-1].describe())
            continue
        distribution = entry.dist.name if entry.dist is not None else None
        loaded.append(LoadedPlugin(entry.name, plugin, distribution))
    return loaded, failures


def _instantiate(entry: EntryPoint, group: str, is_valid: Callable[[Any], bool]) -> Any:
    target = entry.load()
    plugin = target() if isinstance(target, type) else target
    if not is_valid(plugin):
        raise TypeError(f"{entry.value} does not implement the {group} interface")
    return plugin


def call_guarded(
    plugin: LoadedPlugin, call: Callable[[Any], T]
) -> tuple[T | None, PluginFailure | None]:
    """Run `call(plugin)`; an exception becomes a `PluginFailure`."""
    try:
        return call(plugin.plugin), None
    except Exception as exc:  # a plugin that raises is skipped, never fatal
        failure = PluginFailure(plugin.name, "run", f"{type(exc).__name__}: {exc}")
        logger.warning("%s", failure.describe())
        logger.debug("Traceback of plugin %s", plugin.name, exc_info=True)
        return None, failure
