"""The Textual dashboard: sessions, heart-rate curve, today, recommendation.

Keys: up/down pick a session, r reloads from the database, t switches between the
overview and the training view (power, runs, model evaluation), q quits. It opens
its own store on the database file, so a recorder or importer can write meanwhile.

Given a `LiveSource`, the dashboard also records while it runs (from sensors or an
emulated strap) and shows live heart rate, zone, contact and battery; quitting
stops the recorder cleanly, so the last batch is written.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable, Footer, Header

from fitlearn.features.session import zone_bounds_bpm
from fitlearn.recording import LiveFeed
from fitlearn.store import Store
from tui.config import Config
from tui.report import (
    Report,
    build_report,
    recommendation_dict,
    session_dicts,
    today_dict,
)
from tui.widgets.live_heart_rate import LiveHeartRate
from tui.widgets.panels import HeartRatePanel, RecommendationPanel, TodayPanel
from tui.widgets.training_status import TrainingStatus, load_training_status

logger = logging.getLogger(__name__)

LiveSource = Callable[[Store, LiveFeed, asyncio.Event], Awaitable[object]]
"""Records into the store, publishing to the feed, until the event is set."""

STOP_RECORDING_TIMEOUT_S = 10.0


class FitlearnApp(App[None]):
    """The fitlearn dashboard."""

    CSS_PATH = "app.tcss"
    TITLE = "fitlearn"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "reload", "Reload"),
        Binding("t", "toggle_view", "Training/overview"),
    ]
    """Keyboard shortcuts shown in the footer."""

    def __init__(
        self, db_path: Path, config: Config, live: LiveSource | None = None
    ) -> None:
        super().__init__()
        self.db_path = db_path
        self.config = config
        self.live = live
        self.feed = LiveFeed()
        """Live measurements, when recording."""
        self.store: Store | None = Store(db_path)
        self.report: Report | None = None
        self.session_rows: list[dict[str, Any]] = []
        self._stop_recording = asyncio.Event()
        self._recording: asyncio.Task[object] | None = None

    def compose(self) -> ComposeResult:
        """Overview: sessions on the left, the rest on the right; training view."""
        yield Header()
        with ContentSwitcher(initial="overview"):
            with Horizontal(id="overview"):
                with Vertical(id="left"):
                    table: DataTable[str] = DataTable(
                        id="sessions", cursor_type="row", zebra_stripes=True
                    )
                    table.border_title = "Sessions"
                    yield table
                with Vertical(id="right"):
                    yield HeartRatePanel(id="heart-rate")
                    yield TodayPanel(id="today")
                    yield RecommendationPanel(id="recommendation")
            with Vertical(id="training-view"):
                yield TrainingStatus(self._training_status, id="training")
        yield Footer()

    def on_mount(self) -> None:
        """Open the store, load everything, start recording if asked."""
        self.sub_title = str(self.db_path)
        self.query_one(DataTable).add_columns("date", "source", "min", "HR")
        self.action_reload()
        self._quit_on_signals()
        if self.live is not None:
            assert self.report is not None
            zones = zone_bounds_bpm(self.report.snapshot.profile)
            self.query_one("#left").mount(LiveHeartRate(self.feed, zones, id="live"))
            self._recording = asyncio.create_task(self._record(self.live))

    def _quit_on_signals(self) -> None:
        """SIGTERM or SIGHUP (a closed terminal, a service stop) quits like q does."""
        loop = asyncio.get_running_loop()
        names = ("SIGTERM", "SIGHUP")  # Windows has neither handler support nor SIGHUP
        for sig in [getattr(signal, name) for name in names if hasattr(signal, name)]:
            try:
                loop.add_signal_handler(
                    sig, lambda: self.run_worker(self.action_quit())
                )
            except (NotImplementedError, RuntimeError, ValueError):
                logger.debug("Cannot watch %s here; only q quits cleanly", sig)

    async def _record(self, live: LiveSource) -> object:
        try:
            with Store(self.db_path) as recorder_store:
                return await live(recorder_store, self.feed, self._stop_recording)
        except Exception as exc:  # the dashboard stays up and says why recording ended
            logger.warning("Recording stopped: %s", exc)
            self.notify(f"Recording stopped: {exc}", severity="error", timeout=60)
            return None

    async def action_quit(self) -> None:
        """Stop recording (writing its last batch), then quit."""
        await self.stop_recording()
        self.exit()

    async def stop_recording(self) -> None:
        """Ask the recorder to flush and close; wait for it."""
        if self._recording is None or self._recording.done():
            return
        self._stop_recording.set()
        try:
            await asyncio.wait_for(self._recording, STOP_RECORDING_TIMEOUT_S)
        except Exception:  # a recorder failure must not keep the dashboard open
            logger.exception("Recording did not stop cleanly")

    def on_unmount(self) -> None:
        """Close the store."""
        if self.store is not None:
            self.store.close()

    def _training_status(self) -> Any:
        assert self.store is not None
        return load_training_status(self.store, self.config)

    def action_toggle_view(self) -> None:
        """Switch between the overview and the training view."""
        switcher = self.query_one(ContentSwitcher)
        switcher.current = (
            "training-view" if switcher.current == "overview" else "overview"
        )
        if switcher.current == "overview":
            self.query_one(DataTable).focus()  # the arrows move through sessions again

    def action_reload(self) -> None:
        """Recompute features and the recommendation from the database."""
        assert self.store is not None
        self.report = build_report(self.store, self.config)
        rows = session_dicts(self.report.snapshot)
        # Newest first; sessions without a date go last.
        self.session_rows = [r for r in reversed(rows) if r["start"]] + [
            r for r in rows if not r["start"]
        ]
        table: DataTable[str] = self.query_one(DataTable)
        table.clear()
        for row in self.session_rows:
            table.add_row(*_session_cells(row), key=str(row["id"]))
        self.query_one(TodayPanel).show(today_dict(self.report.snapshot))
        self.query_one(RecommendationPanel).show(recommendation_dict(self.report))
        if self.session_rows:
            table.move_cursor(row=0)
            self.show_session(0)
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Draw the highlighted session."""
        self.show_session(event.cursor_row)

    def show_session(self, index: int) -> None:
        """Draw session `index` of the table in the heart-rate panel."""
        if not (0 <= index < len(self.session_rows)) or self.store is None:
            return
        assert self.report is not None
        row = self.session_rows[index]
        bpm = self.store.heart_rate([row["id"]])["bpm"].to_list()
        zones = today_zones(self.report)
        title = f"{row['source']}  {row['hr_min'] or '-'}-{row['hr_max'] or '-'} bpm"
        seconds = [value or 0.0 for value in row["zones_s"]]
        self.query_one(HeartRatePanel).show(title, bpm, zones, seconds)

    @property
    def selected_session_id(self) -> int | None:
        """The id of the session under the cursor."""
        table: DataTable[str] = self.query_one(DataTable)
        if not self.session_rows:
            return None
        return int(self.session_rows[table.cursor_row]["id"])


def today_zones(report: Report) -> list[tuple[int, int]]:
    """Zone bounds for the report's profile."""
    return zone_bounds_bpm(report.snapshot.profile)


def _session_cells(row: dict[str, Any]) -> tuple[str, str, str, str]:
    start = (row["start_local"] or row["start"] or "no date")[:10]
    minutes = f"{(row['duration_s'] or 0) / 60:.0f}"
    hr = f"{row['hr_median']:.0f}" if row["hr_median"] is not None else "-"
    return start, row["source"][:14], minutes, hr


def make_app(
    db_path: Path, config: Config, live: LiveSource | None = None
) -> FitlearnApp:
    """Build the dashboard on a database file (the CLI and the tests use this)."""
    return FitlearnApp(db_path, config, live)
