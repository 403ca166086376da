"""Commands for on-device training: `power`, `train` and `daemon`."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from fitlearn.training.schedule import single_daemon
from tui.cli.app import AppContext, pass_app, positive
from tui.training import (
    build_daemon,
    charging_gate,
    power_probe,
    training_paths,
    training_service,
)


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set `stop` instead of killing mid-step."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread; nothing to install here
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {
        sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@click.command("power")
@click.option("--json", "as_json", is_flag=True, help="Print the power state as JSON.")
@pass_app
def power_command(app: AppContext, as_json: bool) -> None:
    """Show the power state as the training scheduler sees it.

    `on_external_power` is null when a battery is present but its plug state
    cannot be read; a machine with no battery at all counts as on mains.
    """
    settings = app.config.training
    reading = power_probe(settings).read()
    decision = charging_gate(settings).decide(reading)
    values = reading.as_dict() | {
        "training_allowed": decision.allowed,
        "reason": decision.reason,
    }
    if as_json:
        _print_json(values)
        return
    click.echo(format_power(values))


def format_power(v: dict[str, Any]) -> str:
    """The power state as three lines."""
    plugged = {True: "yes", False: "no", None: "unknown"}[v["on_external_power"]]
    if v["battery_percent"] is not None:
        battery = f"{v['battery_percent']:.0f}%"
    else:
        battery = {False: "none", True: "present, level unknown", None: "unknown"}[
            v["battery_present"]
        ]
    training = "allowed" if v["training_allowed"] else "paused"
    return (
        f"External power: {plugged} (decided by {v['source']}: {v['detail']})\n"
        f"Battery: {battery}\n"
        f"Training: {training} ({v['reason']})"
    )


@click.command("train")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the run and evaluation as JSON."
)
@click.option(
    "--restart", is_flag=True, help="Train the plan again from its first step."
)
@click.option(
    "--max-minutes",
    type=positive(24 * 60),
    default=None,
    help="Wall-time cap of this run (default: [training] max_minutes, else 10).",
)
@pass_app
def train_command(
    app: AppContext, as_json: bool, restart: bool, max_minutes: float | None
) -> None:
    """Run one budgeted training run now, whatever the power state.

    The run resumes an interrupted plan where it stopped; Ctrl-C stops it at
    the next step with a checkpoint. It prints the model's error on held-out
    days next to each naive baseline's.
    """
    from fitlearn.training.trainer import StopReason

    service = training_service(app.store(create=True), app.config, max_minutes)
    stop = threading.Event()

    def stop_check() -> StopReason | None:
        return StopReason.INTERRUPTED if stop.is_set() else None

    with _stop_on_signals(stop):
        result = service.train(stop_check, started_by="cli", restart=restart)
    assert result is not None  # only the daemon's only_if_needed returns None
    values = result.as_dict()
    if as_json:
        _print_json(values)
        return
    click.echo(format_training(values))


def format_training(v: dict[str, Any]) -> str:
    """A run and its evaluation as a few lines."""
    if v["stop_reason"] == "up_to_date":
        lines = [
            f"Model {v['model']} is already trained on your current data; nothing to do "
            "(--restart trains it again)."
        ]
    else:
        progress = (
            "plan complete"
            if v["completed"]
            else f"step {v['step']} of {v['total_steps']}"
        )
        lines = [
            f"Model {v['model']} ({v['parameters']} parameters): {v['steps']} steps this "
            f"run, {progress}; stopped: {v['stop_reason']}",
            f"Time {v['wall_s']:.1f} s, CPU {v['cpu_s']:.1f} s, peak memory "
            f"+{v['peak_memory_mb']:.0f} MB over the run's start "
            f"({v['peak_rss_mb']:.0f} MB resident)",
        ]
    evaluation = v["evaluation"]
    if evaluation:
        baselines = ", ".join(f"{k} {e:.3f}" for k, e in v["baseline_mae"].items())
        lines.append(
            f"Held-out {evaluation['evaluated_on']} days ({evaluation['held_out_days']}), "
            f"mean abs. error in lnRMSSD: model {v['model_mae']:.3f}; baselines: {baselines}"
        )
    lines.append(f"Data: {v['data_basis']['text']}")
    return "\n".join(lines)


@click.command("daemon")
@pass_app
def daemon_command(app: AppContext) -> None:
    """Train in the background while the machine is on external power.

    Checks every few minutes (and at once when power comes back), refreshes
    features after new data, and stops training within seconds of unplugging.
    Runs until Ctrl-C or SIGTERM.
    """
    fitlearn_logger = logging.getLogger("fitlearn")
    if fitlearn_logger.getEffectiveLevel() > logging.INFO:
        fitlearn_logger.setLevel(logging.INFO)  # a daemon should say what it does
    store = app.store(create=True)
    lock = training_paths(store.path).daemon_status.with_name("daemon.lock")
    daemon = build_daemon(store, app.config)
    stop = threading.Event()
    with single_daemon(lock), _stop_on_signals(stop):
        daemon.start()
        decision = daemon.monitor.current
        click.echo(
            f"fitlearn daemon running (pid {daemon.status()['pid']}); training "
            f"{'allowed' if decision.allowed else 'paused'}: {decision.reason}. "
            "Ctrl-C stops it."
        )
        _wait(stop, daemon.stop)
    click.echo("fitlearn daemon stopped.")


def _wait(stop: threading.Event, shutdown: Callable[[], None]) -> None:
    try:
        while not stop.wait(0.5):
            pass
    finally:
        shutdown()
