"""FIT import into the store vs. bare fitdecode iteration over the same files.

Usage: python benchmarks/bench_import.py [FILE_OR_FOLDER ...] [--rounds N]

Both sides read the same bytes from the page cache. "Bare" is what any FIT tool
must do at least: iterate every frame with fitdecode's defaults. "fitlearn" is the
whole import: hash, decode, validate, convert clocks, and one SQLite transaction
into a fresh database. Records are FIT data messages.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import fitdecode

from fitlearn.ingest import Outcome, import_files
from fitlearn.store import Store

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = [REPO.parent / "shared" / "data" / "fit", REPO / "data-samples"]


def fit_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.fit")) if path.is_dir() else [path]
    return files


def count_records(files: list[Path]) -> int:
    total = 0
    for path in files:
        try:
            with fitdecode.FitReader(str(path)) as reader:
                total += sum(isinstance(f, fitdecode.FitDataMessage) for f in reader)
        except fitdecode.FitError:
            continue
    return total


def bare(files: list[Path]) -> float:
    started = time.perf_counter()
    for path in files:
        try:
            with fitdecode.FitReader(str(path)) as reader:
                for _frame in reader:
                    pass
        except fitdecode.FitError:
            continue
    return time.perf_counter() - started


def fitlearn_import(files: list[Path]) -> float:
    with (
        tempfile.TemporaryDirectory() as folder,
        Store(Path(folder) / "bench.db") as store,
    ):
        started = time.perf_counter()
        batch = import_files(store, files, ZoneInfo("UTC"))
        elapsed = time.perf_counter() - started
    assert batch.count(Outcome.IMPORTED) + len(batch.failed) == len(files)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sources = args.paths or [p for p in DEFAULT_SOURCES if p.exists()][:1]
    files = [f for f in fit_files(sources) if "unexpected-eof" not in f.name]
    records = count_records(files)

    bare_times, ours_times = [], []
    for _ in range(args.rounds):  # interleaved, so drift hits both sides alike
        bare_times.append(bare(files))
        ours_times.append(fitlearn_import(files))
    bare_rate = records / statistics.median(bare_times)
    ours_rate = records / statistics.median(ours_times)

    print(
        f"files: {len(files)} from {', '.join(map(str, sources))}; records: {records}"
    )
    print(
        f"bare fitdecode iteration: {bare_rate:10.0f} records/s (median of {args.rounds})"
    )
    print(f"fitlearn import to store: {ours_rate:10.0f} records/s")
    print(f"ratio fitlearn/bare: {ours_rate / bare_rate:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
