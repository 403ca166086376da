"""SCHED-01: late jobs run once (grace and coalescing in job_defaults), misses are reported.

Real APScheduler 3.x BackgroundSchedulers on the real clock; "the machine slept"
is a job whose next run time lies in the past when the scheduler looks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler

from fitlearn.power import ChargingGate, PowerReading
from fitlearn.training.schedule import (
    JOB_DEFAULTS,
    NIGHTLY_JOB,
    REFRESH_JOB,
    TRAIN_JOB,
    DaemonSettings,
    TrainingDaemon,
    create_scheduler,
)

LATE_S = 420  # the host wakes at 02:07 for a 02:00 job


def _settle(
    condition: Callable[[], object], timeout: float = 3.0, quiet: float = 0.3
) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(quiet)  # long enough for any extra (wrong) runs to show up


def _run_late(scheduler: BackgroundScheduler, trigger: str, **job_options):
    runs: list[int] = []
    missed: list[object] = []
    scheduler.add_listener(missed.append, EVENT_JOB_MISSED)
    due = datetime.now().astimezone() - timedelta(seconds=LATE_S)
    scheduler.add_job(
        lambda: runs.append(1), trigger, id="job", next_run_time=due, **job_options
    )
    scheduler.start()
    try:
        _settle(lambda: runs or missed)
        grace = scheduler.get_job("job").misfire_grace_time
    finally:
        scheduler.shutdown(wait=True)
    return grace, len(runs), len(missed)


NIGHTLY = {"hour": 2, "minute": 0}


@pytest.mark.parametrize(
    ("make", "trigger", "options", "expected"),
    [
        pytest.param(BackgroundScheduler, "cron", NIGHTLY, (1, 0, 1), id="A-default"),
        pytest.param(
            create_scheduler, "cron", NIGHTLY, (3600, 1, 0), id="B-job_defaults"
        ),
        pytest.param(
            lambda: BackgroundScheduler(misfire_grace_time=3600),
            "cron",
            NIGHTLY,
            (1, 0, 1),
            id="C-top-level-kwarg-ignored",
        ),
        pytest.param(
            BackgroundScheduler,
            "cron",
            {**NIGHTLY, "misfire_grace_time": 3600},
            (3600, 1, 0),
            id="D-per-job",
        ),
        pytest.param(
            create_scheduler,
            "interval",
            {"seconds": 60},
            (3600, 1, 0),
            id="E-every-60s-coalesced",
        ),
        pytest.param(
            create_scheduler,
            "interval",
            {"seconds": 60, "coalesce": False},
            (3600, 8, 0),
            id="F-every-60s-not-coalesced",
        ),
    ],
)
def test_sched01_variants(make, trigger, options, expected):
    assert _run_late(make(), trigger, **options) == expected


class FakeService:
    """Counts calls; `train` can be held open to test overlap."""

    def __init__(self) -> None:
        self.trained: list[str] = []
        self.refreshed = 0
        self.new_data = False
        self.hold = threading.Event()
        self.hold.set()

    def train(self, stop_check, started_by="cli", restart=False, only_if_needed=False):
        self.trained.append(started_by)
        self.hold.wait(5)

    def refresh_features(self) -> bool:
        self.refreshed += 1
        return self.new_data


MAINS = PowerReading(None, False, None, "test", "no battery")


@pytest.fixture
def daemon():
    service = FakeService()
    settings = DaemonSettings(
        check_interval_s=3600, refresh_interval_s=3600, power_poll_s=0.1
    )
    daemon = TrainingDaemon(service, lambda: MAINS, ChargingGate(), settings)
    daemon.start()
    _settle(lambda: service.trained)  # the start-up training check
    yield daemon
    daemon.stop()


def test_sched01_daemon_jobs_report_grace_and_coalesce(daemon):
    jobs = {job.id: job for job in daemon.scheduler.get_jobs()}

    assert set(jobs) == {TRAIN_JOB, REFRESH_JOB, NIGHTLY_JOB}
    for job in jobs.values():
        assert job.misfire_grace_time >= 3600
        assert job.coalesce is True
        assert job.max_instances == 1
    assert JOB_DEFAULTS["misfire_grace_time"] >= 3600


def test_sched01_nightly_job_seven_minutes_late_runs_exactly_once(daemon):
    service = daemon.service
    trained_before = len(service.trained)
    missed: list[object] = []
    daemon.scheduler.add_listener(missed.append, EVENT_JOB_MISSED)

    due = datetime.now().astimezone() - timedelta(seconds=LATE_S)
    daemon.scheduler.modify_job(NIGHTLY_JOB, next_run_time=due)
    _settle(lambda: service.refreshed)

    assert service.refreshed == 1
    assert len(service.trained) == trained_before + 1
    assert missed == []
    assert (
        daemon.scheduler.get_job(NIGHTLY_JOB).next_run_time
        > datetime.now().astimezone()
    )


def test_sched01_a_run_later_than_the_grace_is_logged_and_surfaced(daemon, caplog):
    caplog.set_level(logging.WARNING, logger="fitlearn.training.schedule")
    ran: list[int] = []

    two_hours_ago = datetime.now().astimezone() - timedelta(hours=2)
    daemon.scheduler.add_job(
        lambda: ran.append(1), "date", run_date=two_hours_ago, id="slept-through"
    )
    _settle(lambda: daemon.misses.missed)

    assert ran == []
    assert [m.job_id for m in daemon.misses.missed] == ["slept-through"]
    assert any("slept-through" in r.getMessage() for r in caplog.records)
    assert daemon.status()["missed"][0]["job"] == "slept-through"


def test_one_training_run_at_a_time(daemon):
    service = daemon.service
    service.trained.clear()
    service.hold.clear()

    first = threading.Thread(target=daemon.train_job)
    first.start()
    _settle(lambda: service.trained, quiet=0)
    daemon.train_job()  # returns at once: the first run holds the lock
    second_calls = len(service.trained)
    service.hold.set()
    first.join(5)

    assert second_calls == 1
    assert service.trained == ["daemon"]


def test_new_data_pulls_training_forward(daemon):
    service = daemon.service
    service.trained.clear()
    service.new_data = True

    daemon.refresh_job()
    _settle(lambda: service.trained)

    assert service.trained == ["daemon"]


def test_no_new_data_leaves_training_on_its_schedule(daemon):
    service = daemon.service
    service.trained.clear()

    daemon.refresh_job()
    time.sleep(0.3)

    assert service.trained == []


def test_only_one_daemon_per_database(tmp_path):
    from fitlearn.training.schedule import DaemonAlreadyRunningError, single_daemon

    lock = tmp_path / "training" / "daemon.lock"
    first = single_daemon(lock)
    first.__enter__()
    with (
        pytest.raises(DaemonAlreadyRunningError, match="already runs"),
        single_daemon(lock),
    ):
        pass
    first.__exit__(None, None, None)
    with single_daemon(lock):  # released when the first daemon stopped
        pass
