"""The dashboard's panels: heart-rate curve, today's numbers, recommendation.

Each panel only formats what it is given; loading and computing happen in the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.renderables.hr_chart import render_hr_chart, render_zone_legend


class HeartRatePanel(Static):
    """The selected session's heart-rate curve over its zones."""

    def show(
        self,
        title: str,
        bpm: Sequence[float],
        zones_bpm: Sequence[tuple[int, int]],
        zone_seconds: Sequence[float],
    ) -> None:
        """Draw a session (sized to the panel's current content area)."""
        self.border_title = title
        width, height = self.content_size.width, max(1, self.content_size.height - 1)
        chart = render_hr_chart(bpm, zones_bpm, width, height)
        legend = render_zone_legend(zones_bpm, zone_seconds, width)
        self.update(Text.assemble(chart, "\n", legend))


class TodayPanel(Static):
    """Load, fitness, form and readiness of the latest day."""

    def show(self, today: dict[str, Any] | None) -> None:
        """Show a day's features (see `tui.report.today_dict`)."""
        if today is None:
            self.border_title = "Today"
            self.update("No dated sessions yet. Import some: fitlearn import PATH")
            return
        self.border_title = f"Day {today['date']}"
        self.update(format_today_lines(today))


def _num(values: dict[str, Any], key: str, spec: str = ".1f") -> str:
    value = values.get(key)
    return "n/a" if value is None else format(value, spec)


def format_today_lines(v: dict[str, Any]) -> str:
    """Five short lines that fit the right half of an 80-column dashboard."""
    estimated = "" if "profile" in v["profile"]["hr_max_source"] else " (estimated)"
    return "\n".join(
        [
            f"Load {_num(v, 'load')}  CTL {_num(v, 'ctl')}  ATL {_num(v, 'atl')}",
            f"TSB {_num(v, 'tsb', '+.1f')}  ACWR {_num(v, 'acwr', '.2f')}",
            f"Readiness {_num(v, 'readiness', '.0f')} ({v['readiness_status']}, "
            f"{v['readiness_basis']})",
            f"lnRMSSD {_num(v, 'ln_rmssd', '.2f')} vs {_num(v, 'hrv_baseline', '.2f')}  "
            f"rest HR {_num(v, 'resting_hr', '.0f')}",
            f"HRmax {v['profile']['hr_max']:g}  HRrest {v['profile']['hr_rest']:g}{estimated}",
        ]
    )


class RecommendationPanel(Static):
    """The next workout and its reason."""

    def show(self, recommendation: dict[str, Any]) -> None:
        """Show a recommendation (see `tui.report.recommendation_dict`)."""
        self.border_title = f"Next: {recommendation['workout']}"
        self.border_subtitle = recommendation["recommender"]
        lines = [recommendation["reason"]]
        lines += [f"! {failure}" for failure in recommendation["plugin_failures"]]
        self.update("\n".join(lines))
