"""A shortened version of the issue's acceptance run (the full one is a benchmark).

Emulation level: as in `test_recorder_bumble.py` (real bumble stack on virtual
controllers), driven through `tui.recording.record_emulated`, the code behind
`fitlearn record --emulate`. Time runs 200 times faster than real time.
The full two-hour run: `python benchmarks/bench_live_recording.py --hours 2`.
"""

from __future__ import annotations

import pytest

from fitlearn.recording import LiveFeed
from tests.fitlearn.recording.helpers import DATA, rows
from tui.recording import EmulationPlan, load_rr_series, record_emulated


@pytest.mark.slow
async def test_twenty_minutes_with_three_disconnects_store_every_beat_sent(store):
    rr_ms = load_rr_series(DATA / "rr" / "exercise_rri.hrm")
    plan = EmulationPlan(
        rr_ms=rr_ms,
        duration_s=1200,
        rate_hz=1.0,
        speed=200,
        outages=[(300.5, 30), (600.5, 45), (900.5, 20)],
    )

    run = await record_emulated(store, plan, feed=LiveFeed())

    report = run.recording.sensors[0]
    assert run.beats_sent > 1000
    assert run.beats_unsent > 0
    assert (
        rows(store, "SELECT COUNT(*) FROM rr_intervals")[0][0]
        == run.beats_sent
        == report.rr_stored
    )
    assert (
        rows(store, "SELECT COUNT(*) FROM hr_samples")[0][0] == run.notifications_sent
    )
    gaps = rows(store, "SELECT start_ms, end_ms FROM recording_gaps ORDER BY seq")
    assert len(gaps) == 3
    assert all(end is not None and end > start for start, end in gaps)
    assert [(s, e) for s, e in report.gaps] == gaps
    # One RR after each gap is marked, so HRV never spans a disconnect.
    assert rows(store, "SELECT COUNT(*) FROM rr_intervals WHERE after_gap")[0][0] == 3
    assert rows(store, "SELECT closed_cleanly FROM live_sessions") == [(1,)]
