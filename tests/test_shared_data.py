"""Every real file in ../shared/data imports with the counts SOURCES.md measured.

Runs when the team's folder is present (it is in CI); skipped on a plain clone,
whose own tests carry the files they need.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from fitlearn.ingest import Outcome, import_files
from fitlearn.store import Store
from tests.conftest import UTC

pytestmark = pytest.mark.shared_data

# file: (HR samples, min, median, max, RR intervals), from ../shared/data/SOURCES.md
EXPECTED = {
    "fit/garmin-fenix-5-run.fit": (21, 56, 82, 112, 113),
    "fit/garmin-edge-820-bike.fit": (15, 101, 115, 121, 126),
    "fit/bpg-garmin-edge530.fit": (8823, 97, 140, 172, 22048),
    "fit/activity-small-fenix2-run.fit": (2808, 69, 159, 178, 0),
    "fit/20170518-191602-1740899583.fit": (1641, 80, 134, 179, 0),
    "fit/compressed-speed-distance.fit": (754, 93, 175, 189, 0),
    "fit/sample_mulitple_header.fit": (1430, 138, 173, 187, 0),
    "fit/2020-06-01-16-52-40.fit": (96, 143, 152, 156, 0),
    "tcx/test.tcx": (383, 60, 166, 189, 0),
    "tcx/sup_activity_1.tcx": (111, 76, 87, 106, 0),
    "tcx/activity_5039744860.tcx": (100, 143, 152, 156, 0),
    "gpx/activity_5039744860.gpx": (96, 143, 152, 156, 0),
    "gpx/runpandas-1d5a49c5-e16b-4ec0-b57a-3a7d52271de3.gpx": (610, 105, 175, 189, 0),
    "rr/exercise_rri.hrm": (0, None, None, None, 4117),
    "rr/rest_rri.txt": (0, None, None, None, 910),
}
BROKEN = {
    "fit/activity-unexpected-eof.fit": "ends early",
    "fit/activity-filecrc.fit": "checksum does not match",
    "tcx/no_hr.tcx": "no trackpoint has a heart rate",
}


def test_the_lists_cover_every_data_file(shared_data: Path):
    on_disk = {
        str(p.relative_to(shared_data))
        for p in shared_data.rglob("*")
        if p.is_file() and p.suffix not in (".md", ".json")
    }
    assert on_disk == set(EXPECTED) | set(BROKEN)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_imports_with_the_measured_numbers(
    shared_data: Path, tmp_path: Path, name
):
    with Store(tmp_path / "t.db") as store:
        batch = import_files(store, [shared_data / name], UTC)
        bpm = sorted(store.heart_rate()["bpm"].to_list())
        rr = store.rr_intervals()["rr_ms"].len()

    assert batch.files[0].outcome is Outcome.IMPORTED
    count, low, median, high, rr_count = EXPECTED[name]
    assert len(bpm) == count
    if count:
        assert (bpm[0], statistics.median(bpm), bpm[-1]) == (low, median, high)
    assert rr == rr_count


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_fails_with_a_clear_reason(shared_data: Path, tmp_path: Path, name):
    with Store(tmp_path / "t.db") as store:
        batch = import_files(store, [shared_data / name], UTC)
        stored = store.heart_rate()["bpm"].len()

    result = batch.files[0]
    assert result.outcome is Outcome.FAILED
    assert Path(name).name in (result.error or "")
    assert BROKEN[name] in (result.error or "")
    assert stored == 0
