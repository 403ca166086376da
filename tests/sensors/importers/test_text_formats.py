"""TCX, GPX, CSV and RR-text importers, and local time across DST changes."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sensors.errors import UnreadableFileError, UnsupportedFormatError
from sensors.importers import find_workout_files, read_workout
from sensors.importers._time import utc_offset_s
from sensors.records import Clock
from tests.conftest import CASES, SAMPLES

BERLIN = ZoneInfo("Europe/Berlin")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def test_imp04_offset_from_zone_at_the_workouts_own_date():
    """IMP-04 (2): summer and winter dates get their own offsets, not today's."""
    for row in csv.DictReader((CASES / "IMP-04.vectors.csv").read_text().splitlines()):
        utc = datetime.fromisoformat(row["utc_instant"].replace("Z", "+00:00"))
        offset = utc_offset_s(
            round(utc.timestamp() * 1000), ZoneInfo(row["tz_for_fallback"])
        )
        assert offset == int(row["expected_utc_offset_s"]), row["case"]


def test_imp04_spring_forward_duration_is_real_elapsed_time(tmp_path: Path):
    """IMP-04 (3): 01:30+01:00 to 04:30+02:00 local is two hours, not three."""
    path = tmp_path / "spring.csv"
    path.write_text("time,hr\n2024-03-31T01:30:00,100\n2024-03-31T04:30:00,110\n")

    session = read_workout(path, BERLIN).sessions[0]

    assert session.clock is Clock.LOCAL_ASSUMED
    assert [_iso(t) for t in session.heart_rate.t_ms] == [
        "2024-03-31T00:30:00+00:00",
        "2024-03-31T02:30:00+00:00",
    ]


def test_imp04_fall_back_repeated_hour_stays_two_ordered_samples(tmp_path: Path):
    """IMP-04 (4): 02:30 local happens twice; both samples are kept, in UTC order."""
    path = tmp_path / "fall.csv"
    path.write_text(
        "timestamp;bpm\n2024-10-27 02:00:00;90\n2024-10-27 02:30:00;91\n"
        "2024-10-27 02:45:00;92\n2024-10-27 02:30:00;93\n2024-10-27 03:10:00;94\n"
    )

    session = read_workout(path, BERLIN).sessions[0]

    times = session.heart_rate.t_ms
    assert times == sorted(times)
    assert len(set(times)) == 5
    assert _iso(times[1]) == "2024-10-27T00:30:00+00:00"
    assert _iso(times[3]) == "2024-10-27T01:30:00+00:00"


def test_csv_delimiters_headers_and_rr(tmp_path: Path):
    tab = tmp_path / "tab.csv"
    tab.write_text("Time\tHeart Rate\tRR\n1700000000\t60\t1000\n1700000001\t61\t980\n")
    bare = tmp_path / "bare.csv"
    bare.write_text("2024-01-01T10:00:00Z,70\n2024-01-01T10:00:01Z,71\n")

    tabbed = read_workout(tab, UTC).sessions[0]
    plain = read_workout(bare, UTC).sessions[0]

    assert tabbed.heart_rate.bpm == [60, 61]
    assert tabbed.rr.rr_ms == [1000.0, 980.0]
    assert tabbed.heart_rate.t_ms[0] == 1_700_000_000_000
    assert plain.heart_rate.bpm == [70, 71]
    assert plain.clock is Clock.UTC


def test_csv_bad_rows_are_skipped_with_one_warning(tmp_path: Path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "timestamp,bpm\n2024-01-01T10:00:00Z,70\nyesterday,71\n2024-01-01T10:00:02Z,0\n"
    )

    result = read_workout(path, UTC)

    assert result.sessions[0].heart_rate.bpm == [70]
    assert any("skipped 1 rows" in w for w in result.warnings)
    assert any("skipped 1 values" in w for w in result.warnings)


def test_csv_without_heart_rate_columns_says_what_to_name_them(tmp_path: Path):
    path = tmp_path / "steps.csv"
    path.write_text("time,steps\n2024-01-01T10:00:00Z,70\n")

    with pytest.raises(UnreadableFileError, match="Name them 'bpm' and 'rr_ms'"):
        read_workout(path, UTC)


def test_csv_sample_with_rr_from_a_real_strap():
    session = read_workout(SAMPLES / "fenix5-run-with-rr.csv", UTC).sessions[0]

    assert len(session.heart_rate) == 21
    assert len(session.rr) == 113
    assert (min(session.heart_rate.bpm), max(session.heart_rate.bpm)) == (56, 112)


def test_tcx_real_file_without_positions():
    session = read_workout(SAMPLES / "forerunner410-run.tcx", UTC).sessions[0]

    bpm = sorted(session.heart_rate.bpm)
    assert (len(bpm), bpm[0], bpm[len(bpm) // 2], bpm[-1]) == (383, 60, 166, 189)
    assert session.sport == "Running"
    assert _iso(session.heart_rate.t_ms[0]) == "2012-12-26T21:29:53+00:00"


def test_tcx_cut_off_keeps_complete_trackpoints(tmp_path: Path):
    text = (SAMPLES / "forerunner410-run.tcx").read_text()
    cut = tmp_path / "cut.tcx"
    cut.write_text(text[: len(text) // 2])

    result = read_workout(cut, UTC)

    kept = len(result.sessions[0].heart_rate)
    assert 100 < kept < 383
    assert any("breaks off" in w and f"kept the {kept}" in w for w in result.warnings)


GPX_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"
 xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
 xmlns:tpx2="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
 xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
 xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0">
<trk><trkseg>
<trkpt lat="0" lon="0"><time>2021-01-02T09:00:00Z</time>
 <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>100</gpxtpx:hr>
 </gpxtpx:TrackPointExtension></extensions></trkpt>
<trkpt lat="0" lon="0"><time>2021-01-02T09:00:01.5Z</time>
 <extensions><tpx2:TrackPointExtension><tpx2:hr>101</tpx2:hr></tpx2:TrackPointExtension>
 </extensions></trkpt>
<trkpt lat="0" lon="0"><time>2021-01-02T09:00:03Z</time>
 <extensions><ns3:TrackPointExtension><ns3:hr>102</ns3:hr></ns3:TrackPointExtension>
 </extensions></trkpt>
<trkpt lat="0" lon="0"><time>2021-01-02T09:00:04Z</time>
 <extensions><gpxdata:hr>103</gpxdata:hr></extensions></trkpt>
<trkpt lat="0" lon="0"><time>2021-01-02T09:00:05Z</time>
 <extensions><heartrate>104</heartrate></extensions></trkpt>
<trkpt lat="0" lon="0"><time>2021-01-02T09:00:06Z</time></trkpt>
</trkseg></trk></gpx>
"""


def test_gpx_heart_rate_in_every_common_namespace(tmp_path: Path):
    path = tmp_path / "variants.gpx"
    path.write_text(GPX_TEMPLATE)

    session = read_workout(path, UTC).sessions[0]

    assert session.heart_rate.bpm == [100, 101, 102, 103, 104]
    assert session.heart_rate.t_ms[1] - session.heart_rate.t_ms[0] == 1500


def test_gpx_without_heart_rate_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "walk.gpx"
    path.write_text(
        GPX_TEMPLATE.replace("<extensions>", "<x>")
        .replace("</extensions>", "</x>")
        .replace("hr>", "cad>")
        .replace("heartrate>", "cadence>")
    )

    with pytest.raises(UnreadableFileError, match=r"walk\.gpx: nothing to import"):
        read_workout(path, UTC)


def test_polar_hrm_rr_recording_is_dated_in_local_time():
    zone = ZoneInfo("Europe/Helsinki")
    result = read_workout(SAMPLES / "polar-s810-exercise-rr.hrm", zone)
    session = result.sessions[0]

    assert len(session.rr) == 4117
    assert len(session.heart_rate) == 0
    assert session.clock is Clock.LOCAL_ASSUMED
    assert session.utc_offset_s == 7200
    # 08:50:31 in Helsinki (UTC+2) is 06:50:31 UTC; the first beat ends one RR later.
    assert (
        _iso(session.rr.t_ms[0] - round(session.rr.rr_ms[0]))
        == "2008-02-08T06:50:31+00:00"
    )


def test_rr_list_has_relative_times_until_given_a_start():
    relative = read_workout(SAMPLES / "rest-rr.txt", UTC).sessions[0]
    anchored = read_workout(
        SAMPLES / "rest-rr.txt", UTC, start_ms=1_700_000_000_000
    ).sessions[0]

    assert relative.clock is Clock.RELATIVE
    assert len(relative.rr) == 910
    assert anchored.clock is Clock.UTC
    assert anchored.rr.t_ms[0] == 1_700_000_000_000 + relative.rr.t_ms[0]


def test_gzipped_copy_reads_like_the_original(tmp_path: Path):
    import gzip

    packed = tmp_path / "ride.csv.gz"
    packed.write_bytes(
        gzip.compress((SAMPLES / "edge820-ride-with-rr.csv").read_bytes())
    )

    session = read_workout(packed, UTC).sessions[0]

    assert len(session.heart_rate) == 15
    assert len(session.rr) == 126


def test_unknown_suffix_is_rejected_with_the_supported_list(tmp_path: Path):
    path = tmp_path / "ride.pwx"
    path.write_text("<pwx/>")

    with pytest.raises(UnsupportedFormatError, match=r"Supported: \.fit, \.tcx"):
        read_workout(path, UTC)


def test_folder_walk_finds_workouts_recursively_and_skips_hidden(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.FIT").write_bytes(b"")
    (tmp_path / "a" / "notes.md").write_text("")
    (tmp_path / ".trash").mkdir()
    (tmp_path / ".trash" / "old.fit").write_bytes(b"")

    found = list(find_workout_files([tmp_path]))

    assert [p.name for p in found] == ["x.FIT"]
