"""The issue-3 acceptance run: a long emulated session with forced disconnects.

An emulated strap (bumble virtual controllers) replays a real RR recording at
1 Hz; the recorder stores it through the bumble backend into a fresh SQLite
file. The strap is taken out of range several times. Afterwards both sides are
counted: every beat the strap delivered while a central was subscribed must be
in the store, once, and every outage must be stored as a gap.

Time runs `--speed` times faster than real time (the recorder's clock and the
strap's schedule agree), so two emulated hours take about 7200 / speed seconds
plus the store's work. Reconnect latencies are in emulated seconds and include
the real connection set-up time multiplied by the speed, so a high speed
overstates them.

    python benchmarks/bench_live_recording.py --hours 2 --speed 100

Exit status 1 if a beat is missing or duplicated, or a gap is not stored.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from fitlearn.recording import LiveFeed
from fitlearn.store import Store
from tui.recording import EmulationPlan, load_rr_series, record_emulated

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RR = ROOT / "tests" / "data" / "rr" / "exercise_rri.hrm"


def _outages(
    duration_s: float, count: int, length_s: float
) -> list[tuple[float, float]]:
    return [(duration_s * (i + 1) / (count + 1) + 0.5, length_s) for i in range(count)]


def _store_counts(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as connection:
        one = lambda sql: connection.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "hr_samples": one("SELECT COUNT(*) FROM hr_samples"),
            "rr_intervals": one("SELECT COUNT(*) FROM rr_intervals"),
            "rr_after_gap": one("SELECT COUNT(*) FROM rr_intervals WHERE after_gap"),
            "distinct_payload_times": one("SELECT COUNT(*) FROM ble_notifications"),
            "gaps": connection.execute(
                "SELECT start_ms, end_ms FROM recording_gaps ORDER BY seq"
            ).fetchall(),
            "closed_cleanly": one("SELECT closed_cleanly FROM live_sessions"),
        }


async def run(args: argparse.Namespace, db: Path) -> int:
    rr_ms = load_rr_series(args.rr)
    duration_s = args.hours * 3600
    plan = EmulationPlan(
        rr_ms=rr_ms,
        duration_s=duration_s,
        rate_hz=args.rate,
        speed=args.speed,
        outages=_outages(duration_s, args.disconnects, args.outage_s),
    )
    with Store(db) as store:
        started = time.perf_counter()
        result = await record_emulated(store, plan, feed=LiveFeed())
        wall_s = time.perf_counter() - started
    report = result.recording.sensors[0]
    stored = _store_counts(db)

    print(
        f"emulated session     {duration_s:.0f} s at {args.rate:g} Hz, "
        f"{args.disconnects} forced disconnects of {args.outage_s:g} s, "
        f"speed x{args.speed:g}, RR source {args.rr.name}"
    )
    print(
        f"wall time            {wall_s:.1f} s  (emulated/real = {duration_s / wall_s:.0f})"
    )
    print(
        f"strap sent           {result.notifications_sent} notifications, "
        f"{result.beats_sent} beats while a central was subscribed; "
        f"{result.beats_unsent} beats while out of range"
    )
    print(
        f"recorder accepted    {report.notifications} notifications, {report.beats} beats; "
        f"malformed {report.malformed}, duplicates {report.duplicates}, stale {report.stale}"
    )
    print(
        f"store holds          {stored['hr_samples']} heart-rate samples, "
        f"{stored['rr_intervals']} RR intervals ({stored['rr_after_gap']} marked "
        f"after_gap), closed cleanly: {bool(stored['closed_cleanly'])}"
    )
    gaps = stored["gaps"]
    assert isinstance(gaps, list)
    for (start, end), latency in zip(gaps, result.reconnect_latencies_s, strict=False):
        length = f"{(end - start) / 1000:.1f} s" if end else "open"
        latency_text = (
            f"{latency:.1f} s (real {latency / args.speed * 1000:.0f} ms)"
            if latency is not None
            else "never"
        )
        print(
            f"gap                  {length:>8} without data; strap resubscribed "
            f"{latency_text} after it came back"
        )

    ok = (
        stored["rr_intervals"] == result.beats_sent
        and stored["hr_samples"] == result.notifications_sent
        and len(gaps) == args.disconnects
        and all(end is not None for _, end in gaps)
    )
    print(
        "RESULT               "
        + ("every beat sent while connected is stored once" if ok else "MISMATCH")
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--speed", type=float, default=100.0)
    parser.add_argument(
        "--rate", type=float, default=1.0, help="notifications per second"
    )
    parser.add_argument("--disconnects", type=int, default=3)
    parser.add_argument(
        "--outage-s", type=float, default=60.0, help="seconds out of range each time"
    )
    parser.add_argument(
        "--rr", type=Path, default=DEFAULT_RR, help="RR recording to replay"
    )
    parser.add_argument("--db", type=Path, default=None, help="keep the database here")
    args = parser.parse_args()
    if args.db is not None:
        args.db.unlink(missing_ok=True)
        return asyncio.run(run(args, args.db))
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(args, Path(folder) / "bench.db"))


if __name__ == "__main__":
    sys.exit(main())
