"""Print the dashboard as text, as it looks on the bundled samples at 80x24.

Used for the capture in README.md: python scripts/capture_dashboard.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fitlearn.ingest import collect_files, import_files  # noqa: E402
from fitlearn.store import Store  # noqa: E402
from sensors.importers import read_workout  # noqa: E402
from tests.svg_text import svg_to_text  # noqa: E402
from tui.app import make_app  # noqa: E402
from tui.config import Config  # noqa: E402
from tui.recording import EmulationPlan, emulated_source  # noqa: E402


async def capture(db: Path) -> tuple[list[str], list[str]]:
    """Run the app headless, recording from an emulated strap; return both views."""
    rr = read_workout(REPO / "data-samples" / "rest-rr.txt", ZoneInfo("UTC")).sessions[
        0
    ]
    plan = EmulationPlan(rr_ms=rr.rr.rr_ms, duration_s=900, rate_hz=1, speed=5)
    app = make_app(db, Config(timezone_name="UTC"), emulated_source(plan))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(3.0)
        overview = svg_to_text(app.export_screenshot())
        await pilot.press("t")
        await pilot.pause()
        training = svg_to_text(app.export_screenshot())
        await app.stop_recording()
        return overview, training


def main() -> None:
    """Import the samples into a throw-away database and print the screen."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "capture.db"
        with Store(db) as store:
            import_files(store, collect_files([REPO / "data-samples"]), ZoneInfo("UTC"))
        overview, training = asyncio.run(capture(db))
        print("\n".join(overview))
        print()
        print("\n".join(training))


if __name__ == "__main__":
    main()
