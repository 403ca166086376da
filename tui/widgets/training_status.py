"""A dashboard panel: power state, last and next training run, model evaluation.

The panel is split like Textual's own sparkline: `load_training_status`
gathers plain data (`TrainingStatusView`), `describe` turns it into lines (a
pure function, tested without an app), and `TrainingStatus` only shows them,
polling its loader every few seconds.

Mount it in any app::

    from tui.widgets.training_status import TrainingStatus, load_training_status

    yield TrainingStatus(lambda: load_training_status(store, config))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psutil
from textual.widgets import Static

from fitlearn.store import Store
from fitlearn.training.runs import RunLog, RunRecord
from tui.config import Config
from tui.report import iso_utc
from tui.training import charging_gate, power_probe, training_paths

logger = logging.getLogger(__name__)

REFRESH_S = 2.0


@dataclass(frozen=True)
class TrainingStatusView:
    """Everything the panel shows, as plain values."""

    power: dict[str, Any]
    """The reading (`PowerReading.as_dict`) plus `training_allowed` and `reason`."""
    last_run: RunRecord | None
    last_evaluation: dict[str, Any] | None
    """Held-out errors of the last completed run."""
    daemon_running: bool
    next_check_at: str | None
    """When the daemon next looks for a chance to train (ISO, local)."""
    missed: int = 0
    """Runs the daemon dropped as missed (late by more than the grace)."""


def load_training_status(store: Store, config: Config) -> TrainingStatusView:
    """Probe power, read the run log and the daemon's status file."""
    settings = config.training
    reading = power_probe(settings).read()
    decision = charging_gate(settings).decide(reading)
    power = reading.as_dict() | {
        "training_allowed": decision.allowed,
        "reason": decision.reason,
    }
    runs = RunLog(store).latest(20)
    completed = next(
        (r for r in runs if r.stop_reason == "completed" and r.evaluation), None
    )
    daemon = _daemon_status(training_paths(store.path).daemon_status)
    running = daemon is not None
    return TrainingStatusView(
        power=power,
        last_run=runs[0] if runs else None,
        last_evaluation=completed.evaluation if completed else None,
        daemon_running=running,
        next_check_at=daemon.get("next_check_at") if daemon else None,
        missed=len(daemon.get("missed", [])) if daemon else 0,
    )


def _daemon_status(path: Any) -> dict[str, Any] | None:
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict) or status.get("stopped"):
        return None
    pid = status.get("pid")
    return status if isinstance(pid, int) and psutil.pid_exists(pid) else None


def describe(view: TrainingStatusView) -> list[str]:
    """The panel's lines."""
    return [
        _power_line(view.power),
        _last_run_line(view.last_run),
        _next_run_line(view),
        *_evaluation_lines(view.last_evaluation),
    ]


def _power_line(power: dict[str, Any]) -> str:
    plugged = {True: "on external power", False: "on battery", None: "power unknown"}[
        power["on_external_power"]
    ]
    battery = (
        f", battery {power['battery_percent']:.0f}%"
        if power["battery_percent"] is not None
        else ""
    )
    state = "training allowed" if power["training_allowed"] else "training paused"
    return f"Power: {plugged}{battery} ({power['source']}); {state}: {power['reason']}"


def _last_run_line(run: RunRecord | None) -> str:
    if run is None:
        return "Last training: none yet (fitlearn train, or fitlearn daemon while charging)"
    started = _local(run.started_at_ms)
    if run.ended_at_ms is None:
        return (
            f"Last training: started {started}, still running or cut off at step "
            f"{run.first_step}"
        )
    done = run.first_step + run.steps
    return (
        f"Last training: {started}, {run.steps} steps ({done}/{run.total_steps}), "
        f"stopped: {run.stop_reason}, CPU {run.cpu_s or 0:.1f} s"
    )


def _next_run_line(view: TrainingStatusView) -> str:
    if not view.daemon_running:
        return "Next training: daemon not running (start it: fitlearn daemon)"
    when = (view.next_check_at or "unknown")[:16].replace("T", " ")
    wait = "" if view.power["training_allowed"] else ", waiting for external power"
    missed = f"; {view.missed} missed run(s)" if view.missed else ""
    return f"Next training: check at {when}{wait}{missed}"


def _evaluation_lines(evaluation: dict[str, Any] | None) -> list[str]:
    if not evaluation:
        return ["Model: not trained yet"]
    baselines = ", ".join(
        f"{k} {v:.3f}" for k, v in evaluation.get("baseline_mae", {}).items()
    )
    return [
        f"Model error (MAE, held-out {evaluation.get('evaluated_on')} days): "
        f"{evaluation.get('model_mae', float('nan')):.3f}",
        f"Baselines: {baselines}",
    ]


def _local(ms: int) -> str:
    stamp = iso_utc(ms) or ""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


class TrainingStatus(Static):
    """The panel; polls `loader` every `refresh_s` seconds.

    Args:
        loader: Returns the current `TrainingStatusView` (see the module docstring).
        refresh_s: Seconds between updates.
    """

    DEFAULT_CSS = """
    TrainingStatus {
        border: round $accent;
        padding: 0 1;
        height: auto;
    }
    """

    def __init__(
        self,
        loader: Callable[[], TrainingStatusView],
        refresh_s: float = REFRESH_S,
        **kwargs: Any,
    ) -> None:
        super().__init__("Training: loading...", **kwargs)
        self.loader = loader
        self.refresh_s = refresh_s
        self.view: TrainingStatusView | None = None
        """The last view shown."""
        self.border_title = "Training"

    def on_mount(self) -> None:
        """Show at once, then keep up to date."""
        self.refresh_view()
        self.set_interval(self.refresh_s, self.refresh_view)

    def refresh_view(self) -> None:
        """Load and show the current status; a failing loader shows its error."""
        # Limitation: the loader (a power probe and one small query) runs on the UI
        # thread; it takes milliseconds, but a stalled disk would stall the panel.
        try:
            view = self.loader()
        except Exception as exc:  # the dashboard must stay up whatever the store does
            logger.warning("Training status unavailable: %s", exc)
            self.update(f"Training status unavailable: {exc}")
            return
        self.view = view
        self.update("\n".join(describe(view)))
