"""The training panel: its lines as a pure function, its loader on a real store, and
the widget in a tiny host app driven by Textual's Pilot."""

from __future__ import annotations

import json
import os

from textual.app import App, ComposeResult

from fitlearn.store import Store
from fitlearn.training.runs import RunLog, RunRecord
from tui.config import Config
from tui.training import training_paths
from tui.widgets.training_status import (
    TrainingStatus,
    TrainingStatusView,
    describe,
    load_training_status,
)

PLUGGED = {
    "on_external_power": True,
    "battery_percent": 91.0,
    "source": "sysfs",
    "battery_present": True,
    "detail": "AC online",
    "training_allowed": True,
    "reason": "on external power",
}
EVALUATION = {
    "model_mae": 0.079,
    "baseline_mae": {"yesterday": 0.103, "rolling_mean_7d": 0.115},
    "evaluated_on": "simulated",
}


def _run(**changes) -> RunRecord:
    values = {
        "id": 1,
        "model": "gru",
        "plan_id": "p",
        "started_by": "daemon",
        "started_at_ms": 1_700_000_000_000,
        "ended_at_ms": 1_700_000_060_000,
        "stop_reason": "power",
        "first_step": 0,
        "steps": 120,
        "total_steps": 400,
        "loss": 0.01,
        "cpu_s": 12.5,
        "peak_memory_mb": 60.0,
        "data_basis": "sim",
        "evaluation": None,
    }
    return RunRecord(**(values | changes))  # type: ignore[arg-type]


def test_describe_a_paused_run_and_a_waiting_daemon():
    view = TrainingStatusView(
        power=PLUGGED
        | {
            "on_external_power": False,
            "training_allowed": False,
            "reason": "running on battery",
        },
        last_run=_run(),
        last_evaluation=EVALUATION,
        daemon_running=True,
        next_check_at="2026-01-02T02:00:00+01:00",
        missed=1,
    )

    lines = describe(view)

    assert lines[0].startswith(
        "Power: on battery, battery 91% (sysfs); training paused"
    )
    assert "120 steps (120/400), stopped: power, CPU 12.5 s" in lines[1]
    assert lines[2] == (
        "Next training: check at 2026-01-02 02:00, waiting for external "
        "power; 1 missed run(s)"
    )
    assert "0.079" in lines[3]
    assert "yesterday 0.103" in lines[4]


def test_describe_before_anything_happened():
    view = TrainingStatusView(
        PLUGGED, None, None, daemon_running=False, next_check_at=None
    )

    lines = describe(view)

    assert "none yet" in lines[1]
    assert "daemon not running" in lines[2]
    assert lines[3] == "Model: not trained yet"


def test_loader_reads_power_runs_and_daemon_status(tmp_path, power_supply):
    power_supply.plug()
    with Store(tmp_path / "f.db") as store:
        log = RunLog(store)
        run_id = log.start(
            model="gru",
            plan_id="p",
            started_by="cli",
            first_step=0,
            total_steps=10,
            data_basis="sim",
        )
        log.finish(
            run_id,
            stop_reason="completed",
            steps=10,
            loss=0.1,
            cpu_s=1.0,
            peak_memory_mb=5.0,
            evaluation=EVALUATION,
        )
        status = training_paths(store.path).daemon_status
        status.parent.mkdir(parents=True)
        status.write_text(
            json.dumps(
                {"pid": os.getpid(), "next_check_at": "2026-01-01T10:00", "missed": []}
            )
        )

        view = load_training_status(store, Config())

    assert view.power["on_external_power"] is True
    assert view.power["source"] == "sysfs"
    assert view.last_run is not None
    assert view.last_run.stop_reason == "completed"
    assert view.last_evaluation == EVALUATION
    assert view.daemon_running
    assert view.next_check_at == "2026-01-01T10:00"


class Host(App[None]):
    def __init__(self, loader) -> None:
        super().__init__()
        self.loader = loader

    def compose(self) -> ComposeResult:
        yield TrainingStatus(self.loader, refresh_s=0.05, id="training")


async def test_widget_shows_and_follows_the_status():
    views = [
        TrainingStatusView(
            PLUGGED
            | {
                "on_external_power": False,
                "training_allowed": False,
                "reason": "running on battery",
            },
            None,
            None,
            False,
            None,
        ),
        TrainingStatusView(
            PLUGGED,
            _run(stop_reason="completed", steps=400),
            EVALUATION,
            True,
            "2026-01-01T03:00:00",
        ),
    ]
    calls = {"n": 0}

    def loader() -> TrainingStatusView:
        calls["n"] += 1
        return views[0] if calls["n"] == 1 else views[1]

    async with Host(loader).run_test(size=(100, 12)) as pilot:
        widget = pilot.app.query_one("#training", TrainingStatus)
        first = str(widget.content)
        await pilot.pause(0.2)
        later = str(widget.content)

    assert "on battery" in first
    assert "Model: not trained yet" in first
    assert "on external power" in later
    assert "stopped: completed" in later
    assert "Model error (MAE, held-out simulated days): 0.079" in later
    assert widget.view is views[1]


async def test_a_failing_loader_keeps_the_dashboard_up():
    def loader() -> TrainingStatusView:
        raise OSError("disk gone")

    async with Host(loader).run_test(size=(100, 8)) as pilot:
        widget = pilot.app.query_one("#training", TrainingStatus)
        await pilot.pause()
        text = str(widget.content)

    assert "Training status unavailable: disk gone" in text
