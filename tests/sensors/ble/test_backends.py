"""Backend selection: lazy imports and clear errors for a missing library.

Emulation level: none (imports only), run in subprocesses so the checks see a
fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sensors.ble.backends import backend_module
from sensors.errors import BackendUnavailableError


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )


def test_the_package_and_the_core_import_no_bluetooth_library():
    result = _python(
        "import sys, sensors.ble, sensors.ble.backends, sensors.ble.hrm, fitlearn.recording\n"
        "print(sorted(m for m in ('bleak', 'bumble') if m in sys.modules))"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_bleak_backend_works_when_bumble_is_missing():
    result = _python(
        "import sys; sys.modules['bumble'] = None\n"
        "from sensors.ble.backends import backend_module\n"
        "print(backend_module('bleak').BleakBackend.name)\n"
        "try:\n    backend_module('bumble')\n"
        "except Exception as exc:\n    print(type(exc).__name__, exc)"
    )

    lines = result.stdout.splitlines()
    assert lines[0] == "bleak"
    assert lines[1].startswith("BackendUnavailableError")
    assert "pip install bumble" in lines[1]


def test_bumble_backend_works_when_bleak_is_missing():
    result = _python(
        "import sys; sys.modules['bleak'] = None\n"
        "from sensors.ble.backends import backend_module\n"
        "print(backend_module('bumble').BumbleBackend.name)"
    )

    assert result.stdout.strip() == "bumble", result.stderr


def test_unknown_backend_names_the_choices():
    with pytest.raises(BackendUnavailableError, match="bleak, bumble"):
        backend_module("bluez")
