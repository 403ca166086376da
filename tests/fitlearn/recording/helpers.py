"""Helpers shared by the recorder tests."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fitlearn.store import Store

DATA = Path(__file__).parents[2] / "data"


def rows(store: Store, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Query the store's file directly, as any other reader would."""
    with sqlite3.connect(store.path) as connection:
        return connection.execute(sql, params).fetchall()


async def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll until `condition` holds (the Bluetooth stack runs in the same loop)."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.001)


def rest_rr_ms() -> list[float]:
    """The resting RR series in tests/data/rr (910 beats)."""
    return [float(v) for v in (DATA / "rr" / "rest_rri.txt").read_text().split()]
