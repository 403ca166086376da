"""Shared fixtures: real SQLite files under tmp_path, real sample files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fitlearn.store import Store

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data-samples"
CASES = Path(__file__).resolve().parent / "data" / "cases"
SHARED_DATA = Path(
    os.environ.get("FITLEARN_SHARED_DATA", REPO.parent / "shared" / "data")
)
"""The team's real files (`../shared/data`); FITLEARN_SHARED_DATA points elsewhere."""
UTC = ZoneInfo("UTC")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh database file."""
    with Store(tmp_path / "fitlearn.db") as opened:
        yield opened


@pytest.fixture
def shared_data() -> Path:
    """The team's collection of real files; the test is skipped without it."""
    if not (SHARED_DATA / "SOURCES.md").exists():
        pytest.skip("../shared/data is not present (it is in CI)")
    return SHARED_DATA
