"""The `PluginError` family."""

from fitlearn.errors import FitlearnError


class PluginError(FitlearnError):
    """A plugin could not be found, loaded or run."""


class PluginNotFoundError(PluginError):
    """No installed plugin has the requested name."""
