"""Commands over stored data: import, sessions, today, recommend."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from fitlearn.ingest import (
    BatchResult,
    FileResult,
    Outcome,
    collect_files,
    import_files,
)
from tui.cli.app import AppContext, pass_app
from tui.config import load_zone
from tui.report import (
    build_report,
    feature_snapshot,
    recommendation_dict,
    session_dicts,
    today_dict,
)

stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


@click.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--timezone",
    "timezone_name",
    metavar="ZONE",
    help="IANA zone for files that write local times (default: config, else this "
    "machine's zone).",
)
@click.option(
    "--start",
    "start",
    metavar="ISO",
    callback=lambda _ctx, _param, value: _parse_start(value),
    help="Start time for files that carry no date (RR lists, device-relative clocks), "
    "e.g. 2024-05-12T07:30 or 2024-05-12T05:30:00Z; without an offset it is local "
    "time in --timezone.",
)
@pass_app
def import_command(
    app: AppContext,
    paths: tuple[Path, ...],
    timezone_name: str | None,
    start: datetime | None,
) -> None:
    """Import workout files (FIT, TCX, GPX, CSV, RR lists, Polar HRM).

    Folders are searched recursively. A file already imported (same content) is
    skipped. Exit status 1 means at least one file could not be imported.
    """
    zone = load_zone(timezone_name) if timezone_name else app.config.timezone()
    start_ms = None
    if start is not None:
        start_ms = round(
            (start if start.tzinfo else start.replace(tzinfo=zone)).timestamp() * 1000
        )
    files = collect_files(paths)
    if not files:
        raise click.ClickException("No workout files found in the given paths.")
    store = app.store(create=True)
    with _progress() as progress:
        task = progress.add_task("Importing", total=len(files))

        def advance(result: FileResult) -> None:
            progress.update(task, advance=1, description=result.path.name[:30])

        batch = import_files(
            store, files, zone, start_ms=start_ms, on_file_done=advance
        )
    print_batch_summary(batch)
    if batch.failed:
        raise SystemExit(1)


def _parse_start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time, e.g. 2024-05-12T07:30",
            param_hint="--start",
        ) from None
    if not 1990 <= start.year <= datetime.now().year:
        raise click.BadParameter(
            f"{text!r} is not between 1990 and today", param_hint="--start"
        )
    return start


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<30}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr,
        transient=True,
    )


def print_batch_summary(batch: BatchResult) -> None:
    """Warnings and errors on stderr, then a table of what each file gave."""
    for result in batch.files:
        for warning in result.warnings:
            stderr.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
        if result.error:
            stderr.print(f"[red]error:[/] {result.error}", soft_wrap=True)
    table = Table(title="Import summary", title_justify="left")
    for column in ("file", "result", "sessions", "HR samples", "RR intervals"):
        table.add_column(
            column, justify="left" if column in ("file", "result") else "right"
        )
    for result in batch.files:
        table.add_row(
            result.path.name,
            str(result.outcome),
            str(len(result.session_ids)),
            str(result.samples),
            str(result.rr_intervals),
        )
    stdout.print(table)
    dated = batch.count(Outcome.DATED)
    stdout.print(
        f"{batch.count(Outcome.IMPORTED)} imported, "
        + (f"{dated} dated, " if dated else "")
        + f"{batch.count(Outcome.ALREADY_IMPORTED)} already imported, "
        f"{batch.count(Outcome.FAILED)} failed."
    )


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _check_day(
    _ctx: click.Context, _param: click.Parameter, day: datetime | None
) -> Any:
    if day is not None and not (day.year >= 1990 and day.date() <= date.today()):
        raise click.BadParameter(
            f"{day.date()} is not between 1990 and today", param_hint="--date"
        )
    return day


day_option = click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    callback=_check_day,
    help="Day to report (YYYY-MM-DD), up to today. Default: the latest day with data.",
)


@click.command("sessions")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON list, one object per session."
)
@pass_app
def sessions_command(app: AppContext, as_json: bool) -> None:
    """List stored sessions with their heart-rate summary."""
    rows = session_dicts(feature_snapshot(app.store(), app.config))
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} sessions", title_justify="left")
    for column in (
        "id",
        "start (local)",
        "source",
        "duration",
        "HR min/med/max",
        "RR",
        "TRIMP",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(*_session_cells(row))
    stdout.print(table)


def _session_cells(row: dict[str, Any]) -> list[str]:
    start = (row["start_local"] or row["start"] or "no date")[:16].replace("T", " ")
    hr = (
        f"{row['hr_min']}/{row['hr_median']:g}/{row['hr_max']}"
        if row["samples"]
        else "-"
    )
    copy = f" (copy of {row['duplicate_of']})" if row["duplicate_of"] else ""
    trimp = f"{row['trimp']:.0f}" if row["trimp"] is not None else "-"
    minutes = f"{(row['duration_s'] or 0) / 60:.0f} min"
    return [
        str(row["id"]),
        start,
        row["source"] + copy,
        minutes,
        hr,
        str(row["rr_count"]),
        trimp,
    ]


@click.command("today")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the day's features as JSON."
)
@day_option
@pass_app
def today_command(app: AppContext, as_json: bool, day: datetime | None) -> None:
    """Show load, fitness, form and readiness of the latest day."""
    when = day.date() if day else None
    values = today_dict(feature_snapshot(app.store(), app.config, when), when)
    if as_json:
        _print_json(values)
        return
    if values is None:
        if when is not None:
            stdout.print(f"No data on or before {when}.")
        else:
            stdout.print("No dated sessions yet. Import some: fitlearn import PATH")
        return
    stdout.print(format_today(values))


def format_today(v: dict[str, Any]) -> str:
    """The day's features as a few readable lines."""

    def num(key: str, spec: str = ".1f") -> str:
        value = v.get(key)
        return "n/a" if value is None else format(value, spec)

    profile = v["profile"]
    return "\n".join(
        [
            f"Day {v['date']}: {v['sessions']} session(s), load {num('load')} (TRIMP)",
            f"Fitness CTL {num('ctl')}  fatigue ATL {num('atl')}  form TSB {num('tsb', '+.1f')}"
            f"  ACWR {num('acwr', '.2f')}",
            f"Resting HR {num('resting_hr')} bpm (trend {num('resting_hr_trend', '+.1f')})"
            f"  lnRMSSD {num('ln_rmssd', '.2f')} (baseline {num('hrv_baseline', '.2f')})",
            f"Readiness {num('readiness', '.0f')} ({v['readiness_status']}, "
            f"from {v['readiness_basis']})",
            f"Profile: HRmax {profile['hr_max']:g} ({profile['hr_max_source']}), "
            f"HRrest {profile['hr_rest']:g} ({profile['hr_rest_source']})",
        ]
    )


@click.command("recommend")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the recommendation as JSON."
)
@day_option
@pass_app
def recommend_command(app: AppContext, as_json: bool, day: datetime | None) -> None:
    """Recommend the next workout, with the reason."""
    report = build_report(app.store(), app.config, day.date() if day else None)
    values = recommendation_dict(report)
    if as_json:
        _print_json(values)
        return
    # Plugin failures were already logged as warnings on stderr, once each.
    stdout.print(format_recommendation(values))


def format_recommendation(v: dict[str, Any]) -> str:
    """The recommendation as two lines, and a third about the trained model."""
    target = ""
    if v["target_zone"] is not None:
        low, high = v["zone_bpm"]
        target = (
            f", zone {v['target_zone']} ({low}-{high} bpm), {v['duration_min']} min"
        )
    text = f"Next: {v['workout']}{target}\nWhy: {v['reason']} [{v['recommender']}]"
    model = v.get("model")
    if model:
        use = "used" if model["used"] else "available but not used"
        text += f"\nModel: trained model {model['name']} {use}; {model['data_basis']}"
    return text
