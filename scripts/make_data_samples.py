"""Rebuild data-samples/ from the team's copy of public files in ../shared/data.

Files without positions are copied byte for byte. Files with positions are
re-written without them: TCX keeps its format with every <Position> removed; FIT
files are re-written as CSV (timestamp, bpm, rr_ms), since a FIT encoder is not
part of fitlearn. Origins and licences are listed in data-samples/SOURCES.md.

Run from the repository root: python scripts/make_data_samples.py
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sensors.importers import read_workout

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).resolve().parents[1] / "data-samples"

COPIES = {
    "fit/20170518-191602-1740899583.fit": "vivoactive-hr-indoor-rowing.fit",
    "fit/compressed-speed-distance.fit": "forerunner70-run-device-clock.fit",
    "rr/exercise_rri.hrm": "polar-s810-exercise-rr.hrm",
    "rr/rest_rri.txt": "rest-rr.txt",
}
FIT_TO_CSV = {
    "fit/garmin-fenix-5-run.fit": "fenix5-run-with-rr.csv",
    "fit/garmin-edge-820-bike.fit": "edge820-ride-with-rr.csv",
}
TCX_WITHOUT_POSITIONS = {"tcx/test.tcx": "forerunner410-run.tcx"}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def fit_to_csv(source: Path, target: Path) -> None:
    """Write a FIT file's heart rate and RR intervals as CSV, leaving positions out."""
    session = read_workout(source, ZoneInfo("UTC")).sessions[0]
    rows = [
        (t, str(b), "")
        for t, b in zip(session.heart_rate.t_ms, session.heart_rate.bpm, strict=False)
    ]
    rows += [
        (t, "", f"{rr:g}")
        for t, rr in zip(session.rr.t_ms, session.rr.rr_ms, strict=False)
    ]
    rows.sort(key=lambda row: row[0])
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "bpm", "rr_ms"])
        writer.writerows((_iso(t), bpm, rr) for t, bpm, rr in rows)


def tcx_without_positions(source: Path, target: Path) -> None:
    """Copy a TCX file with every <Position> element removed."""
    text = source.read_text(encoding="utf-8")
    cleaned = re.sub(r"\s*<Position>.*?</Position>", "", text, flags=re.DOTALL)
    target.write_text(cleaned, encoding="utf-8")


def main() -> None:
    """Rebuild every file of data-samples/."""
    OUT.mkdir(exist_ok=True)
    for name, new_name in COPIES.items():
        shutil.copyfile(SHARED / name, OUT / new_name)
    for name, new_name in FIT_TO_CSV.items():
        fit_to_csv(SHARED / name, OUT / new_name)
    for name, new_name in TCX_WITHOUT_POSITIONS.items():
        tcx_without_positions(SHARED / name, OUT / new_name)


if __name__ == "__main__":
    main()
