"""The Textual dashboard: sessions, heart-rate curve, today, recommendation.

Keys: up/down pick a session, r reloads from the database, q quits. It opens its
own store on the database file, so a recorder or importer can write meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header

from fitlearn.features.session import zone_bounds_bpm
from fitlearn.store import Store
from tui.config import Config
from tui.report import (
    Report,
    build_report,
    recommendation_dict,
    session_dicts,
    today_dict,
)
from tui.widgets.panels import HeartRatePanel, RecommendationPanel, TodayPanel


class FitlearnApp(App[None]):
    """The fitlearn dashboard."""

    CSS_PATH = "app.tcss"
    TITLE = "fitlearn"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "reload", "Reload"),
    ]
    """Keyboard shortcuts shown in the footer."""

    def __init__(self, db_path: Path, config: Config) -> None:
        super().__init__()
        self.db_path = db_path
        self.config = config
        self.store: Store | None = None
        self.report: Report | None = None
        self.session_rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        """Sessions on the left, the rest stacked on the right."""
        yield Header()
        table: DataTable[str] = DataTable(
            id="sessions", cursor_type="row", zebra_stripes=True
        )
        table.border_title = "Sessions"
        yield table
        with Vertical(id="right"):
            yield HeartRatePanel(id="heart-rate")
            yield TodayPanel(id="today")
            yield RecommendationPanel(id="recommendation")
        yield Footer()

    def on_mount(self) -> None:
        """Open the store and load everything."""
        self.sub_title = str(self.db_path)
        self.store = Store(self.db_path)
        self.query_one(DataTable).add_columns("date", "source", "min", "HR")
        self.action_reload()

    def on_unmount(self) -> None:
        """Close the store."""
        if self.store is not None:
            self.store.close()

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
        self.query_one(TodayPanel).show(today_dict(self.report))
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


def make_app(db_path: Path, config: Config) -> FitlearnApp:
    """Build the dashboard on a database file (the CLI and the tests use this)."""
    return FitlearnApp(db_path, config)
