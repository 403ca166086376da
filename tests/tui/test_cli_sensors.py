"""`fitlearn sensors decode`, `fitlearn record --emulate`, and stopping a recording.

Emulation level: `decode` is pure. `record --emulate` runs the real command: an
emulated strap on bumble virtual controllers replaying tests/data/rr, the
bumble backend, the recorder and a real SQLite file. The signal tests run it
in a child process and send it SIGTERM or SIGKILL.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import main

DATA = Path(__file__).parents[1] / "data"
RR_FILE = DATA / "rr" / "rest_rri.txt"


def _decode(*args: str):
    return CliRunner().invoke(main, ["sensors", "decode", *args])


@pytest.mark.parametrize("case", ["SEN-01", "SEN-03"])
def test_decode_prints_exactly_the_documented_keys_for_the_case_vectors(case):
    with (DATA / "cases" / f"{case}.vectors.csv").open(newline="") as handle:
        vectors = list(csv.DictReader(handle))

    for row in vectors:
        result = _decode(row["payload_hex"])  # one argument with spaces inside
        assert result.exit_code == 0, result.output
        decoded = json.loads(result.stdout)
        assert list(decoded) == ["bpm", "contact", "energy_kj", "rr_ms"]
        assert decoded["bpm"] == int(row["hr_bpm"])
        assert (
            decoded["contact"]
            == {"detected": True, "not_supported": None}[row["contact"]]
        )
        assert decoded["energy_kj"] == (
            int(row["energy_kj"]) if row["energy_kj"] else None
        )
        expected = [float(v) for v in row["rr_ms"].split(";")] if row["rr_ms"] else []
        assert decoded["rr_ms"] == pytest.approx(expected, abs=5e-4)


def test_decode_accepts_unquoted_bytes_and_prints_null_contact():
    result = _decode("18", "5A", "FF", "FF")

    assert json.loads(result.stdout) == {
        "bpm": 90,
        "contact": None,
        "energy_kj": 65535,
        "rr_ms": [],
    }
    assert "saturated" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["16"], "too short"),
        (["18 5A FF"], "energy"),
        (["zz"], "not hexadecimal"),
        (["1 6"], "not hexadecimal"),
    ],
)
def test_decode_rejects_bad_input_clearly(args, message):
    result = _decode(*args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_record_emulate_stores_the_replayed_session(tmp_path):
    db = tmp_path / "rec.db"

    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db),
            "record",
            "--emulate",
            str(RR_FILE),
            "--duration",
            "40",
            "--speed",
            "40",
            "--outage",
            "15,5",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "1 gap(s)" in result.stdout
    assert " bpm" in result.stdout
    with sqlite3.connect(db) as connection:
        samples = connection.execute("SELECT COUNT(*) FROM hr_samples").fetchone()[0]
        gaps = connection.execute(
            "SELECT COUNT(*) FROM recording_gaps WHERE end_ms IS NOT NULL"
        ).fetchone()
        assert 25 <= samples <= 40
        assert gaps == (1,)


def test_record_emulate_refuses_a_file_without_rr(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")

    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "x.db"), "record", "--emulate", str(empty)]
    )

    assert result.exit_code == 1
    assert "Error:" in result.stderr


def _start_recording(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tui.cli import main; main()",
            "--db",
            str(db),
            "record",
            "--emulate",
            str(RR_FILE),
            "--speed",
            "20",
            "--duration",
            "900",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_samples(db: Path, process: subprocess.Popen[str], minimum: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db) as connection:
                    if (
                        connection.execute(
                            "SELECT COUNT(*) FROM hr_samples"
                        ).fetchone()[0]
                        >= minimum
                    ):
                        return
            except sqlite3.OperationalError:
                pass  # schema not created yet
        time.sleep(0.05)
    raise AssertionError(f"no samples stored: {process.communicate(timeout=5)}")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_flushes_and_closes_the_session_cleanly(tmp_path):
    db = tmp_path / "term.db"
    process = _start_recording(db)
    _wait_for_samples(db, process, 20)

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)

    assert process.returncode == 0, err
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT COUNT(*) FROM hr_samples").fetchone()[0]
        closed = connection.execute(
            "SELECT closed_cleanly, notifications FROM live_sessions"
        ).fetchone()
    assert closed == (1, stored)
    assert f"{stored} heart-rate samples" in out


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigkill_leaves_only_whole_batches(tmp_path):
    db = tmp_path / "kill.db"
    process = _start_recording(db)
    _wait_for_samples(db, process, 20)

    process.kill()
    process.communicate(timeout=30)

    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        samples = connection.execute("SELECT COUNT(*) FROM hr_samples").fetchone()[0]
        guarded = connection.execute(
            "SELECT COUNT(*) FROM ble_notifications"
        ).fetchone()[0]
        counted = connection.execute(
            "SELECT notifications, closed_cleanly FROM live_sessions"
        ).fetchone()
    # Every stored sample came with its guard row and its counter update: no half batch.
    assert samples >= 20
    assert guarded == samples
    assert counted == (samples, 0)
