"""The `fitlearn` command line on a real database file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import CASES, REPO, SAMPLES
from tui.cli import main

SESSION_KEYS = {
    "source",
    "start",
    "duration_s",
    "samples",
    "hr_min",
    "hr_median",
    "hr_max",
    "hr_mean",
    "rr_count",
}


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Invoke the CLI with its own database and config, and the zone set to UTC."""
    config = tmp_path / "config.toml"
    config.write_text('timezone = "UTC"\n')
    monkeypatch.setenv("FITLEARN_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("FITLEARN_CONFIG", str(config))

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_import_then_sessions_json(run):
    imported = run("import", str(SAMPLES))
    listed = run("sessions", "--json")

    assert imported.exit_code == 0, imported.output
    assert "7 imported, 0 already imported, 0 failed." in imported.output
    sessions = {s["source"]: s for s in json.loads(listed.output)}
    assert all(set(s) >= SESSION_KEYS for s in sessions.values())
    rowing = sessions["vivoactive-hr-indoor-rowing.fit"]
    assert (
        rowing["samples"],
        rowing["hr_min"],
        rowing["hr_median"],
        rowing["hr_max"],
    ) == (
        1641,
        80,
        134,
        179,
    )
    assert rowing["start"] == "2017-05-18T16:37:30Z"
    assert rowing["hr_mean"] == pytest.approx(131.42, abs=0.01)
    assert sessions["fenix5-run-with-rr.csv"]["rr_count"] == 113
    assert sessions["rest-rr.txt"]["start"] is None


def test_second_import_adds_nothing(run):
    run("import", str(SAMPLES))
    again = run("import", str(SAMPLES))

    assert again.exit_code == 0
    assert "0 imported, 7 already imported, 0 failed." in again.output
    assert len(json.loads(run("sessions", "--json").output)) == 7


def test_a_broken_file_fails_clearly_and_the_rest_imports(run, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "forerunner410-run.tcx", folder)
    (folder / "empty.tcx").write_text("<TrainingCenterDatabase/>")

    result = run("import", str(folder))

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: empty.tcx: nothing to import: no trackpoint has a heart rate "
        "(HeartRateBpm)."
    ]
    assert len(json.loads(run("sessions", "--json").output)) == 1


def test_today_and_recommend_json(run):
    run("import", str(SAMPLES))

    today = json.loads(run("today", "--json").output)
    advice = json.loads(run("recommend", "--json").output)

    assert today["date"] == "2017-06-12"
    assert {
        "load",
        "ctl",
        "atl",
        "tsb",
        "acwr",
        "readiness",
        "readiness_status",
    } <= set(today)
    assert advice["workout"] in {"rest", "recovery", "endurance", "tempo", "intervals"}
    assert advice["recommender"] == "rules"
    assert "TSB" in advice["reason"]


def test_imp04_local_start_shown_with_the_files_offset(run):
    run("import", str(CASES / "IMP-04.fit"))

    [session] = json.loads(run("sessions", "--json").output)

    assert session["start"] == "2024-07-15T03:00:00Z"
    assert session["start_local"] == "2024-07-15T06:00:00+03:00"


def test_a_bad_config_is_one_clear_line(run, tmp_path: Path, monkeypatch):
    run("import", str(CASES / "IMP-02.fit"))
    config = tmp_path / "bad.toml"
    config.write_text("[profile]\nhr_max = 'high'\n")
    monkeypatch.setenv("FITLEARN_CONFIG", str(config))

    result = CliRunner().invoke(main, ["today"])

    assert result.exit_code == 1
    assert "profile.hr_max must be a number from 100 to 240" in result.output


def test_db_option_overrides_the_environment(run, tmp_path: Path):
    other = tmp_path / "other.db"
    run("--db", str(other), "import", str(CASES / "IMP-02.fit"))

    unchanged = CliRunner().invoke(main, ["sessions", "--json"])
    chosen = json.loads(run("--db", str(other), "sessions", "--json").output)

    assert other.exists()
    assert [s["source"] for s in chosen] == ["IMP-02.fit"]
    assert unchanged.exit_code == 1
    assert "No database at" in unchanged.output


def test_demo_without_tui_prints_real_numbers(tmp_path: Path):
    """The README's first command, through the installed console script."""
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    env.pop("FITLEARN_DB", None)
    env.pop("FITLEARN_CONFIG", None)
    script = Path(sys.executable).with_name("fitlearn")

    result = subprocess.run(
        [str(script), "demo", "--no-tui"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "7 imported" in result.stdout
    assert "Day 2017-06-12" in result.stdout
    assert "Next:" in result.stdout
    assert "Why: TSB" in result.stdout
    assert (tmp_path / "data" / "fitlearn" / "demo.db").exists()


def test_demo_never_overwrites_an_existing_database(run, tmp_path: Path):
    mine = tmp_path / "mine.db"
    run("--db", str(mine), "import", str(CASES / "IMP-02.fit"))

    result = CliRunner().invoke(main, ["--db", str(mine), "demo", "--no-tui"])

    assert result.exit_code == 1
    assert "already exists; the demo needs a fresh database" in result.output
    assert len(json.loads(run("--db", str(mine), "sessions", "--json").output)) == 1


def test_without_a_terminal_the_dashboard_explains_and_demo_prints(run, tmp_path: Path):
    """Run from a script (no TTY), a full-screen app would hang; it must not."""
    dashboard = run("dashboard")
    demo = CliRunner().invoke(main, ["--db", str(tmp_path / "demo.db"), "demo"])

    assert dashboard.exit_code == 1
    assert "needs an interactive terminal" in dashboard.output
    assert demo.exit_code == 0
    assert "not an interactive terminal" in demo.output
    assert "Next:" in demo.output


def test_reading_commands_refuse_a_missing_database(run, tmp_path: Path):
    typo = tmp_path / "nowhere" / "fitlern.db"

    results = [
        run("--db", str(typo), cmd) for cmd in ("sessions", "today", "recommend")
    ]

    assert all(r.exit_code == 1 for r in results)
    assert all("No database at" in r.output for r in results)
    assert not typo.parent.exists()


def test_a_named_config_file_must_exist_and_have_known_keys(run, tmp_path: Path):
    run("import", str(CASES / "IMP-02.fit"))
    typo = tmp_path / "confg.toml"
    misspelt = tmp_path / "misspelt.toml"
    misspelt.write_text("[profile]\nhr_maxx = 190\n")

    missing = run("--config", str(typo), "today")
    unknown = run("--config", str(misspelt), "today")

    assert "does not exist" in missing.output
    assert "unknown key(s) hr_maxx in [profile]" in unknown.output


def test_an_unknown_time_zone_fails_every_command(run, tmp_path: Path):
    run("import", str(CASES / "IMP-02.fit"))
    config = tmp_path / "mars.toml"
    config.write_text('timezone = "Mars/Olympus"\n')

    result = run("--config", str(config), "recommend")

    assert result.exit_code == 1
    assert "Unknown time zone 'Mars/Olympus'" in result.output


def test_a_fit_file_with_an_absurd_local_clock_keeps_the_database_readable(
    run, tmp_path
):
    """A broken local_timestamp must not become a 100-year UTC offset."""
    from tests.fit_builder import ACTIVITY, RECORD, FitBuilder

    start = 1_104_537_600  # 2024-12-31T00:00:00Z in FIT seconds
    fit = FitBuilder().message(RECORD, [start, 120]).message(RECORD, [start + 60, 121])
    fit.message(ACTIVITY, [start + 60, 0xFFFFFFF0])
    path = tmp_path / "bad-clock.fit"
    path.write_bytes(fit.build())

    imported = run("import", str(path))
    listed = run("sessions", "--json")

    assert imported.exit_code == 0
    [session] = json.loads(listed.output)
    assert session["start"] == "2024-12-31T00:00:00Z"
    assert session["start_local"] == "2024-12-31T00:00:00+00:00"  # the configured UTC


def test_impossible_dates_are_skipped_and_the_batch_goes_on(run, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text(
        "timestamp,bpm\n1704103200,120\n99999999999999999999,122\n0001-01-01T00:00:00Z,90\n"
    )
    shutil.copy(SAMPLES / "forerunner410-run.tcx", folder / "z.tcx")

    result = run("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    assert "skipped 2 rows that could not be read" in result.output


def test_something_that_is_not_a_regular_file_is_refused(run, tmp_path: Path):
    fifo = tmp_path / "pipe.fit"
    os.mkfifo(fifo)

    result = run("import", str(fifo))

    assert result.exit_code == 1
    assert "pipe.fit: not a regular file" in result.output


def test_a_damaged_database_is_one_clear_line(run, tmp_path: Path):
    db = tmp_path / "damaged.db"
    run("--db", str(db), "import", str(SAMPLES))
    data = bytearray(db.read_bytes())
    data[4096 : 4096 * 6] = b"\xa5" * (4096 * 5)  # overwrite pages after the header
    db.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)

    result = CliRunner().invoke(
        main, ["--db", str(db), "import", str(CASES / "IMP-02.fit")]
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert str(db) in result.output


def test_a_file_name_that_is_not_utf8_imports_and_prints(run, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    odd = os.fsdecode(b"ride\xff.csv")
    shutil.copy(SAMPLES / "edge820-ride-with-rr.csv", folder / odd)
    shutil.copy(SAMPLES / "fenix5-run-with-rr.csv", folder / "zz.csv")

    result = run("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    sources = {s["source"] for s in json.loads(run("sessions", "--json").output)}
    assert sources == {"ride\ufffd.csv", "zz.csv"}


def test_start_dates_a_file_that_was_imported_undated(run):
    run("import", str(SAMPLES / "rest-rr.txt"))

    dated = run(
        "import", "--start", "2024-01-01T07:00:00+01:00", str(SAMPLES / "rest-rr.txt")
    )
    again = run(
        "import", "--start", "2024-02-01T07:00:00", str(SAMPLES / "rest-rr.txt")
    )
    [session] = json.loads(run("sessions", "--json").output)
    today = json.loads(run("today", "--json").output)

    assert "0 imported, 1 dated, 0 already imported" in dated.output
    assert "0 imported, 1 already imported" in again.output
    assert session["start"] == "2024-01-01T06:00:00Z"
    assert session["clock"] == "utc"
    assert today["date"] == "2024-01-01"
    assert today["ln_rmssd"] is not None


def test_date_must_be_between_1990_and_today(run):
    run("import", str(CASES / "IMP-02.fit"))

    future = run("today", "--date", "9999-12-31")
    past = run("recommend", "--date", "1900-01-01")

    assert future.exit_code == past.exit_code == 2
    assert "not between 1990 and today" in future.output


def test_a_bit_flipped_fit_keeps_what_decoded_before_the_damage(run, tmp_path: Path):
    data = bytearray((SAMPLES / "vivoactive-hr-indoor-rowing.fit").read_bytes())
    for offset in range(20000, 20400, 7):
        data[offset] ^= 0x5A
    flipped = tmp_path / "flipped.fit"
    flipped.write_bytes(bytes(data))

    result = run("import", str(flipped))

    assert "fitlearn bug" not in result.output
    assert "Traceback" not in result.output
