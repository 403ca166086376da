"""Fixtures for recorder tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fitlearn.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "live.db") as opened:
        yield opened
