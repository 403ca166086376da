"""Importing files into a real database: batches, duplicates, crashes mid-file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from fitlearn.ingest import Outcome, collect_files, import_files
from fitlearn.store import Store
from tests.conftest import REPO, SAMPLES, UTC

ROWING = SAMPLES / "vivoactive-hr-indoor-rowing.fit"


def test_importing_the_same_file_twice_adds_nothing(store: Store, tmp_path: Path):
    copy = tmp_path / "renamed-copy.fit"
    copy.write_bytes(ROWING.read_bytes())

    first = import_files(store, [ROWING], UTC)
    second = import_files(store, [ROWING, copy], UTC)

    assert first.files[0].outcome is Outcome.IMPORTED
    assert [f.outcome for f in second.files] == [Outcome.ALREADY_IMPORTED] * 2
    assert len(store.sessions()) == 1
    assert store.heart_rate()["bpm"].len() == 1641


def test_a_bad_file_does_not_stop_the_batch(store: Store, tmp_path: Path):
    bad = tmp_path / "a-broken.fit"
    bad.write_bytes(b"\x0e\x10garbage")
    files = [bad, *collect_files([SAMPLES])]

    batch = import_files(store, files, UTC)

    assert [f.path.name for f in batch.failed] == ["a-broken.fit"]
    assert "a-broken.fit" in (batch.failed[0].error or "")
    assert batch.count(Outcome.IMPORTED) == len(files) - 1
    assert len(store.sessions()) == len(files) - 1


def test_same_workout_from_two_files_counts_once(store: Store, tmp_path: Path):
    """A FIT and its TCX export overlap in time: the FIT is kept, the TCX linked to it."""
    tcx = tmp_path / "export.tcx"
    lines = [
        "<TrainingCenterDatabase><Activities><Activity Sport='Biking'><Lap><Track>"
    ]
    for second in range(0, 1700, 10):
        minutes, seconds = divmod(second, 60)
        lines.append(
            f"<Trackpoint><Time>2017-05-18T{16 + (37 + minutes) // 60:02d}:"
            f"{(37 + minutes) % 60:02d}:{(30 + seconds) % 60:02d}Z</Time>"
            "<HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>"
        )
    lines.append("</Track></Lap></Activity></Activities></TrainingCenterDatabase>")
    tcx.write_text("\n".join(lines))

    import_files(store, [tcx, ROWING], UTC)

    by_source = {s.source: s for s in store.sessions()}
    assert by_source["vivoactive-hr-indoor-rowing.fit"].duplicate_of is None
    assert (
        by_source["export.tcx"].duplicate_of
        == by_source["vivoactive-hr-indoor-rowing.fit"].id
    )


def test_crash_in_the_middle_of_a_file_leaves_nothing_of_it(tmp_path: Path):
    """The process dies after the samples are written but before the commit."""
    db = tmp_path / "crash.db"
    with Store(db) as store:
        import_files(store, [SAMPLES / "forerunner410-run.tcx"], UTC)
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from zoneinfo import ZoneInfo
        import fitlearn.store.store as store_module
        from fitlearn.ingest import import_files
        from fitlearn.store import Store

        def die(*args, **kwargs):
            os._exit(9)  # like a power cut: no cleanup, no rollback

        store_module.link_duplicates = die  # runs after the samples are inserted
        store = Store(Path({str(db)!r}))
        import_files(store, [Path({str(ROWING)!r})], ZoneInfo("UTC"))
    """)

    crashed = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=False)

    assert crashed.returncode == 9
    with Store(db) as store:
        assert [s.source for s in store.sessions()] == ["forerunner410-run.tcx"]
        assert store.heart_rate()["bpm"].len() == 383
        assert store.find_import("0" * 64) is None
        retry = import_files(store, [ROWING], UTC)
        assert retry.files[0].outcome is Outcome.IMPORTED


def test_a_short_recording_inside_a_long_workout_is_not_a_copy(
    store: Store, tmp_path: Path
):
    """A 2-minute strap file during a 28-minute watch workout: both count."""
    strap = tmp_path / "strap.csv"
    rows = [f"2017-05-18T16:45:{s:02d}Z,140,430" for s in range(60)]
    rows += [f"2017-05-18T16:46:{s:02d}Z,141,425" for s in range(60)]
    strap.write_text("timestamp,bpm,rr_ms\n" + "\n".join(rows) + "\n")

    import_files(store, [ROWING, strap], UTC)

    assert [s.duplicate_of for s in store.sessions()] == [None, None]
