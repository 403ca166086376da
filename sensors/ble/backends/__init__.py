"""Bluetooth backends, one module each, imported only when chosen.

- `bleak_backend`: the default, through the operating system's Bluetooth
  (BlueZ, CoreBluetooth, WinRT).
- `bumble_backend`: the bumble stack in this process, for USB dongles and for
  virtual controllers (tests, `fitlearn record --emulate`).

Importing this package imports neither library, so a missing or broken one never
stops the other from working.
"""

from __future__ import annotations

import importlib
from typing import Any

from sensors.errors import BackendUnavailableError

BACKENDS: dict[str, tuple[str, str]] = {
    "bleak": ("sensors.ble.backends.bleak_backend", "bleak"),
    "bumble": ("sensors.ble.backends.bumble_backend", "bumble"),
}
"""Backend name -> (module, the pip package it needs)."""

DEFAULT_BACKEND = "bleak"


def backend_module(name: str) -> Any:
    """Import one backend's module.

    Raises:
        BackendUnavailableError: The name is unknown or its library is missing.
    """
    if name not in BACKENDS:
        raise BackendUnavailableError(
            f"Unknown Bluetooth backend {name!r}; choose one of {', '.join(BACKENDS)}."
        )
    module_name, package = BACKENDS[name]
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"The {name} backend needs the {package!r} package, which cannot be "
            f"imported ({exc}). Install it with: pip install {package}"
        ) from exc
