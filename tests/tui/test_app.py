"""The dashboard, driven with Textual's Pilot on a real database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from fitlearn.features.session import zone_of
from fitlearn.ingest import collect_files, import_files
from fitlearn.store import Store
from sensors.importers import read_workout
from tests.conftest import SAMPLES, UTC
from tests.svg_text import svg_to_text
from tui.app import make_app
from tui.config import Config
from tui.recording import EmulationPlan, emulated_source
from tui.renderables.hr_chart import bucket_means, render_hr_chart
from tui.widgets.live_heart_rate import LiveHeartRate
from tui.widgets.panels import HeartRatePanel, RecommendationPanel, TodayPanel

ZONES = [(60, 120), (120, 140), (140, 160), (160, 175), (175, 190)]


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "dash.db"
    with Store(path) as store:
        import_files(store, collect_files([SAMPLES]), UTC)
    return path


async def test_dashboard_shows_sessions_today_and_recommendation(tmp_path: Path):
    app = make_app(_database(tmp_path), Config(timezone_name="UTC"))

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = "\n".join(svg_to_text(app.export_screenshot()))

    assert "edge820-ride-w" in screen  # newest session first
    assert "Day 2017-06-12" in screen
    assert "Next: " in screen
    assert "TSB" in screen
    assert "no date" in screen  # the undated RR list is listed, last


async def test_keyboard_moves_through_sessions_and_redraws_the_curve(tmp_path: Path):
    app = make_app(_database(tmp_path), Config(timezone_name="UTC"))

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.selected_session_id
        first_title = app.query_one(HeartRatePanel).border_title
        await pilot.press("down", "down")
        await pilot.pause()
        third = app.selected_session_id
        third_title = app.query_one(HeartRatePanel).border_title

    assert first != third
    assert "edge820" in str(first_title)
    assert "vivoactive" in str(third_title)


async def test_reload_picks_up_what_another_process_imported(tmp_path: Path):
    path = tmp_path / "live.db"
    Store(path).close()
    app = make_app(path, Config(timezone_name="UTC"))

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = app.session_rows
        with Store(path) as writer:
            import_files(writer, [SAMPLES / "forerunner410-run.tcx"], UTC)
        await pilot.press("r")
        await pilot.pause()
        after = [row["source"] for row in app.session_rows]
        today_title = app.query_one(TodayPanel).border_title
        advice_title = app.query_one(RecommendationPanel).border_title

    assert before == []
    assert after == ["forerunner410-run.tcx"]
    assert today_title == "Day 2012-12-26"
    assert str(advice_title).startswith("Next: ")


def test_chart_columns_take_their_zone_colour():
    text = render_hr_chart([100.0] * 10 + [180.0] * 10, ZONES, width=24, height=4)
    styles = {str(span.style) for span in text.spans}

    assert zone_of(100, ZONES) == 1
    assert zone_of(180, ZONES) == 5
    assert zone_of(10, ZONES) == 1
    assert {"grey62", "red3"} <= styles
    assert len(text.plain.splitlines()) == 4


def test_short_series_fill_the_width():
    assert bucket_means([1.0, 3.0], 4) == [1.0, 1.0, 3.0, 3.0]
    assert bucket_means([1.0, 2.0, 3.0, 4.0], 2) == [1.5, 3.5]
    assert bucket_means([], 3) == [None, None, None]


async def test_recording_dashboard_shows_live_heart_rate_and_stops_cleanly(
    tmp_path: Path,
):
    """Emulation level: a real bumble GATT strap on virtual controllers, replayed fast."""
    path = _database(tmp_path)
    rr = read_workout(SAMPLES / "rest-rr.txt", UTC).sessions[0].rr.rr_ms
    plan = EmulationPlan(rr_ms=rr, duration_s=600, rate_hz=1, speed=20)
    app = make_app(path, Config(timezone_name="UTC"), emulated_source(plan))

    async with app.run_test(size=(80, 24)) as pilot:
        panel = None
        for _ in range(100):
            await pilot.pause(0.1)
            panel = (
                app.query("#live").first(LiveHeartRate) if app.query("#live") else None
            )
            if panel is not None and panel.reading.bpm is not None:
                break
        assert panel is not None
        assert panel.reading.bpm is not None
        assert panel.reading.link == "connected"
        assert panel.reading.zone is not None
        await app.stop_recording()

    with Store(path) as store, store.reading() as orm:
        closed = orm.execute(
            text("SELECT closed_cleanly, notifications FROM live_sessions")
        )
        [(cleanly, notifications)] = closed.all()
    assert cleanly
    assert notifications > 0


async def test_t_switches_to_the_training_view(tmp_path: Path):
    app = make_app(_database(tmp_path), Config(timezone_name="UTC"))

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = "\n".join(svg_to_text(app.export_screenshot()))
        await pilot.press("t")
        await pilot.pause()
        back = "\n".join(svg_to_text(app.export_screenshot()))
        before = app.selected_session_id
        await pilot.press("down")
        await pilot.pause()
        after = app.selected_session_id

    assert before != after, "the arrows move through sessions after coming back"
    assert "Power:" in screen
    assert "Last training: none yet" in screen
    assert "Sessions" not in screen
    assert "Sessions" in back


async def test_a_recording_that_fails_is_reported_and_the_dashboard_stays(
    tmp_path: Path,
):
    from sensors.errors import BluetoothUnavailableError

    async def no_bluetooth(store, feed, stop):
        raise BluetoothUnavailableError("Scanning failed: the Bluetooth service is off")

    app = make_app(_database(tmp_path), Config(timezone_name="UTC"), no_bluetooth)

    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.2)
        messages = [n.message for n in app._notifications]
        still_running = app.is_running

    assert any("Recording stopped: Scanning failed" in m for m in messages)
    assert still_running
