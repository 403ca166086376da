"""Commands that open the dashboard: `dashboard` and `demo`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fitlearn.ingest import collect_files, import_files
from fitlearn.store import Store
from tui.cli.app import AppContext, pass_app
from tui.cli.data import (
    format_recommendation,
    format_today,
    print_batch_summary,
    stderr,
    stdout,
)
from tui.cli.sensors import backend_option, emulation_plan, transport_option
from tui.locations import data_dir, samples_dir
from tui.recording import emulated_source, sensor_source
from tui.report import build_report, recommendation_dict, today_dict

DEMO_RR_FILE = "rest-rr.txt"


@click.command("dashboard")
@click.option(
    "--address",
    "addresses",
    multiple=True,
    metavar="A",
    help="Record this sensor while the dashboard runs (repeat for several).",
)
@click.option(
    "--emulate",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Record from an emulated strap replaying this RR file (no hardware needed).",
)
@backend_option
@transport_option
@pass_app
def dashboard_command(
    app: AppContext,
    addresses: tuple[str, ...],
    emulate: Path | None,
    backend: str,
    transport: str | None,
) -> None:
    """Open the dashboard on your database, optionally recording live.

    With --address or --emulate, heart rate is recorded into the database while
    the dashboard runs and shown live; q stops recording cleanly, then quits.
    """
    from tui.app import LiveSource, make_app

    if not in_terminal():
        raise click.ClickException(
            "The dashboard needs an interactive terminal (stdin and stdout are not "
            "one here). Run it in a terminal, or use 'fitlearn today' and "
            "'fitlearn recommend' in scripts."
        )
    live: LiveSource | None = None
    if emulate is not None:
        live = emulated_source(emulation_plan(emulate))
    elif addresses:
        live = sensor_source(backend, transport, addresses)
    db_path = app.store(create=live is not None).path
    app.close()  # the dashboard opens its own connections
    make_app(db_path, app.config, live).run()


@click.command("demo")
@click.option(
    "--no-tui", is_flag=True, help="Print the results instead of opening the dashboard."
)
@click.option(
    "--samples",
    "samples",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of workout files (default: the bundled data-samples/).",
)
@click.pass_context
def demo_command(ctx: click.Context, no_tui: bool, samples: Path | None) -> None:
    """Import the bundled sample workouts into a fresh database and show them.

    The dashboard also records live from an emulated strap that replays the
    bundled resting RR recording, so live heart rate shows without hardware.

    The demo database is separate from yours: demo.db in the data folder,
    recreated on every run. With --db, the file must not exist yet, so the demo
    can never overwrite a database you use.
    """
    app: AppContext = ctx.obj
    folder = samples or _find_samples()
    if not no_tui and not in_terminal():
        no_tui = True
        stderr.print(
            "note: not an interactive terminal, so the results are printed "
            "instead of opening the dashboard."
        )
    if ctx.find_root().params.get("db_path"):
        db_path = app.db_path
        if db_path.exists():
            raise click.ClickException(
                f"{db_path} already exists; the demo needs a fresh database. "
                "Choose another --db path, or leave --db out to use demo.db."
            )
    else:
        db_path = data_dir() / "demo.db"
        _remove_database(db_path)
    with Store(db_path) as store:
        batch = import_files(store, collect_files([folder]), app.config.timezone())
        print_batch_summary(batch)
        if no_tui:
            report = build_report(store, app.config)
            values = today_dict(report.snapshot)
            stdout.print()
            stdout.print(
                format_today(values) if values else "No dated sessions in the samples."
            )
            stdout.print()
            stdout.print(format_recommendation(recommendation_dict(report)))
            stdout.print(f"\nDemo database: {db_path}")
            return
    from tui.app import make_app

    # An emulated strap replays a real resting RR recording, so the live panel
    # shows the whole Bluetooth path working without hardware.
    replay = folder / DEMO_RR_FILE
    live = emulated_source(emulation_plan(replay)) if replay.exists() else None
    make_app(db_path, app.config, live).run()


def in_terminal() -> bool:
    """Whether a full-screen app can run: both stdin and stdout are terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _find_samples() -> Path:
    for candidate in (Path.cwd() / "data-samples", samples_dir()):
        if candidate is not None and candidate.is_dir():
            return candidate
    raise click.ClickException(
        "Cannot find the bundled data-samples/ folder. Run from the fitlearn checkout, "
        "or pass --samples FOLDER."
    )


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
