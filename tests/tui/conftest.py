from __future__ import annotations

from pathlib import Path

import pytest

import tui.training
from tests.power_supply import FakePowerSupply

TINY_TRAINING = """
[training]
simulated_histories = 3
simulated_days = 120
pretrain_epochs = 2
"""


@pytest.fixture(autouse=True)
def private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep models and checkpoints out of the real user's data folder."""
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def power_supply(tmp_path, monkeypatch) -> FakePowerSupply:
    tree = FakePowerSupply(tmp_path / "power_supply")
    monkeypatch.setattr(tui.training, "SYSFS_ROOT", tree.root)
    return tree


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(TINY_TRAINING, encoding="utf-8")
    return path
