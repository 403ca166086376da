"""`fitlearn daemon`: APScheduler jobs that train only while the machine charges.

Jobs (all in one `BackgroundScheduler`):

- `train`, every `check_interval_s`: if the charging gate allows it (and the
  machine is idle where that is measurable), one budgeted training run. The
  power monitor also pulls this job forward the moment power comes back.
- `refresh`, every `refresh_interval_s`: notice new sessions, recompute
  features, and pull `train` forward so the model learns from them.
- `nightly`, at `nightly_hour`:00 local time: both of the above.

Misfires (SCHED-01): APScheduler's default grace is one second, so a job due
while the laptop slept would be dropped. Grace and coalescing are set in
`job_defaults` (a top-level scheduler argument is silently ignored): a late job
runs once when the machine wakes, a job late by more than an hour is reported
as missed (logged at WARNING and kept in the daemon's status), never run many
times over. `max_instances=1` plus a lock keep training to one run at a time.

Stopping: a `PowerMonitor` thread polls the power probe every `power_poll_s`
(1 s); the training run asks it before every step, so unplugging stops
training, with a checkpoint, within about a second.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from fitlearn.errors import FitlearnError
from fitlearn.power import ChargingGate, GateDecision, PowerReading
from fitlearn.training.idle import IdleMeter

logger = logging.getLogger(__name__)

MISFIRE_GRACE_S = 3600
JOB_DEFAULTS: dict[str, Any] = {
    "misfire_grace_time": MISFIRE_GRACE_S,
    "coalesce": True,
    "max_instances": 1,
}
"""Applied to every job through `job_defaults`, where APScheduler reads them."""
TRAIN_JOB = "train"
REFRESH_JOB = "refresh"
NIGHTLY_JOB = "nightly"
KEPT_MISSES = 20


def create_scheduler(timezone: tzinfo | None = None) -> BackgroundScheduler:
    """A background scheduler with `JOB_DEFAULTS` in `job_defaults`."""
    options: dict[str, Any] = {"job_defaults": dict(JOB_DEFAULTS)}
    if timezone is not None:
        options["timezone"] = timezone
    return BackgroundScheduler(**options)


@dataclass(frozen=True)
class MissedRun:
    """A job run that was dropped because it came too late."""

    job_id: str
    due: datetime


class MissedRuns:
    """Listens for missed and failed jobs; logs them and keeps the latest misses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.missed: list[MissedRun] = []

    def attach(self, scheduler: BackgroundScheduler) -> MissedRuns:
        """Listen on `scheduler`; returns self."""
        scheduler.add_listener(self, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        return self

    def __call__(self, event: JobExecutionEvent) -> None:
        """Log a failed job; log and keep a missed one."""
        if event.code == EVENT_JOB_ERROR:
            logger.error(
                "Job %s failed: %s",
                event.job_id,
                event.exception,
                exc_info=event.exception,
            )
            return
        logger.warning(
            "Job %s was due at %s but the machine was asleep or busy for longer than "
            "the %d s grace; it runs at its next time instead",
            event.job_id,
            event.scheduled_run_time,
            MISFIRE_GRACE_S,
        )
        with self._lock:
            self.missed = [
                *self.missed[-(KEPT_MISSES - 1) :],
                MissedRun(event.job_id, event.scheduled_run_time),
            ]


class PowerMonitor:
    """Polls the power probe in a thread and reports changes of the gate's decision.

    Args:
        read: The probe (returns a reading, never raises).
        gate: The training rule.
        interval_s: Seconds between polls.
        on_change: Called from the monitor thread when `allowed` flips.
        idle: Sampled on every poll, when given.
    """

    def __init__(
        self,
        read: Callable[[], PowerReading],
        gate: ChargingGate,
        interval_s: float = 1.0,
        on_change: Callable[[GateDecision], None] | None = None,
        idle: IdleMeter | None = None,
    ) -> None:
        self.read = read
        self.gate = gate
        self.interval_s = interval_s
        self.on_change = on_change
        self.idle = idle
        self._current: GateDecision | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> GateDecision:
        """The latest decision (probing now if there is none yet)."""
        return self._current or self.check()

    def check(self) -> GateDecision:
        """Probe now, update the decision, notify on a change."""
        decision = self.gate.decide(self.read())
        previous, self._current = self._current, decision
        if (
            previous is not None
            and previous.allowed != decision.allowed
            and self.on_change
        ):
            self.on_change(decision)
        return decision

    def start(self) -> None:
        """Start polling in a daemon thread."""
        self.check()
        self._thread = threading.Thread(
            target=self._run, name="power-monitor", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.check()
                if self.idle is not None:
                    self.idle.sample()
            except Exception:  # the monitor must outlive any one bad poll
                logger.exception("Power poll failed; trying again")


class Trainable(Protocol):
    """What the daemon drives (`fitlearn.training.service.TrainingService`)."""

    def train(
        self,
        stop_check: Callable[[], Any],
        started_by: str = ...,
        restart: bool = ...,
        only_if_needed: bool = ...,
    ) -> Any:
        """One budgeted run, or None when nothing needs training."""
        ...

    def refresh_features(self) -> bool:
        """Recompute features if new data arrived; whether it did."""
        ...


@dataclass(frozen=True)
class DaemonSettings:
    """How often the daemon looks, and what counts as idle."""

    check_interval_s: float = 600.0
    refresh_interval_s: float = 300.0
    nightly_hour: int = 2
    power_poll_s: float = 1.0
    max_busy_fraction: float = 0.5
    """Others' share of all CPUs above which the machine is not idle."""


class DaemonAlreadyRunningError(FitlearnError):
    """Another daemon already trains on this database."""


@contextmanager
def single_daemon(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` for the block: one daemon per database.

    Raises:
        DaemonAlreadyRunningError: Another process holds the lock.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with lock_path.open("a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows
            # Limitation: no lock on Windows; two daemons there would both train.
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise DaemonAlreadyRunningError(
                f"A fitlearn daemon already runs for this database (lock {lock_path}). "
                "Stop it first; one daemon per database trains at a time."
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class TrainingDaemon:
    """The scheduler, the power monitor and the jobs, wired together.

    Args:
        service: Trains and refreshes.
        read_power: The power probe.
        gate: The training rule.
        settings: Intervals and thresholds.
        idle: Idle meter; None when idleness is not to be considered.
        status_path: Where the daemon's status is written for the dashboard.
        timezone: For the nightly job; None uses the local zone.
    """

    def __init__(
        self,
        service: Trainable,
        read_power: Callable[[], PowerReading],
        gate: ChargingGate,
        settings: DaemonSettings | None = None,
        idle: IdleMeter | None = None,
        status_path: Path | None = None,
        timezone: tzinfo | None = None,
    ) -> None:
        self.service = service
        self.settings = settings = settings or DaemonSettings()
        self.idle = idle
        self.status_path = status_path
        self.scheduler = create_scheduler(timezone)
        self.misses = MissedRuns().attach(self.scheduler)
        self.monitor = PowerMonitor(
            read_power, gate, settings.power_poll_s, self._power_changed, idle
        )
        self._training = threading.Lock()
        self._stopping = threading.Event()
        self._busy_said: bool | None = None
        self.last_result: Any = None

    def start(self) -> None:
        """Start polling power and scheduling jobs."""
        self.monitor.start()
        s = self.settings
        self.scheduler.add_job(
            self.train_job,
            "interval",
            seconds=s.check_interval_s,
            id=TRAIN_JOB,
            next_run_time=datetime.now().astimezone(),
        )
        self.scheduler.add_job(
            self.refresh_job, "interval", seconds=s.refresh_interval_s, id=REFRESH_JOB
        )
        self.scheduler.add_job(
            self.nightly_job, "cron", hour=s.nightly_hour, minute=0, id=NIGHTLY_JOB
        )
        self.scheduler.start()
        self.write_status()
        logger.info(
            "Daemon started; training allowed: %s", self.monitor.current.allowed
        )

    def stop(self) -> None:
        """Stop a running training run at its next step (it checkpoints), then everything."""
        self._stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.monitor.stop()
        self.write_status()

    def stop_check(self) -> str | None:
        """Asked by the trainer before each step: `interrupted`, `power` or None."""
        if self._stopping.is_set():
            return "interrupted"
        return None if self.monitor.current.allowed else "power"

    def train_job(self) -> None:
        """Train once if the gate allows and nobody else is training."""
        # Limitation: the scheduler's pool thread that ran a training keeps its
        # lowered priority for later jobs (a thread cannot raise it back unprivileged).
        if not self._training.acquire(blocking=False):
            logger.debug("A training run is already under way")
            return
        try:
            if self._may_start():
                self.write_status(running=True)
                self.last_result = self.service.train(
                    self._typed_stop_check(), started_by="daemon", only_if_needed=True
                )
        finally:
            self._training.release()
            self.write_status()

    def refresh_job(self) -> None:
        """Refresh features after new data and pull training forward."""
        if self.service.refresh_features():
            self.wake_training()

    def nightly_job(self) -> None:
        """Refresh features, then train."""
        self.service.refresh_features()
        self.train_job()

    def wake_training(self) -> None:
        """Run the train job now instead of at its next interval."""
        if self.scheduler.running and not self._stopping.is_set():
            self.scheduler.modify_job(
                TRAIN_JOB, next_run_time=datetime.now().astimezone()
            )

    def _typed_stop_check(self) -> Callable[[], Any]:
        # The trainer's StopReason is a str enum; import it only when a run begins.
        from fitlearn.training.trainer import StopReason

        def check() -> StopReason | None:
            reason = self.stop_check()
            return StopReason(reason) if reason is not None else None

        return check

    def _may_start(self) -> bool:
        if self._stopping.is_set() or not self.monitor.check().allowed:
            return False
        busy = self.idle.others_busy_fraction() if self.idle is not None else None
        too_busy = busy is not None and busy > self.settings.max_busy_fraction
        if too_busy != self._busy_said:
            self._busy_said = too_busy
            if too_busy:
                logger.info(
                    "Machine busy (%.0f%% of CPU used by others); training waits",
                    100 * (busy or 0),
                )
        return not too_busy

    def _power_changed(self, decision: GateDecision) -> None:
        if decision.allowed:
            self.wake_training()
        self.write_status()

    def status(self, running: bool | None = None) -> dict[str, Any]:
        """What the dashboard shows: power, the gate, the next run, misses."""
        decision = self.monitor.current
        next_times = []
        if self.scheduler.running:
            for job_id in (TRAIN_JOB, NIGHTLY_JOB):
                job = self.scheduler.get_job(job_id)
                if job is not None and job.next_run_time is not None:
                    next_times.append(job.next_run_time)
        return {
            "pid": os.getpid(),
            "updated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "running": self._training.locked() if running is None else running,
            "training_allowed": decision.allowed,
            "reason": decision.reason,
            "power": decision.reading.as_dict(),
            "next_check_at": min(next_times).isoformat(timespec="seconds")
            if next_times
            else None,
            "missed": [
                {"job": m.job_id, "due": m.due.isoformat(timespec="seconds")}
                for m in self.misses.missed
            ],
            "stopped": self._stopping.is_set(),
        }

    def write_status(self, running: bool | None = None) -> None:
        """Write `status()` atomically to `status_path`, if one is set."""
        if self.status_path is None:
            return
        try:
            self.status_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # A unique temporary name: the scheduler thread and the main thread
            # may both write, and must never rename each other's half-written file.
            handle, name = tempfile.mkstemp(
                dir=self.status_path.parent, prefix=self.status_path.name + "."
            )
            temporary = Path(name)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps(self.status(running), indent=2))
            temporary.chmod(0o600)
            temporary.replace(self.status_path)
        except OSError as exc:
            logger.warning(
                "Cannot write the daemon status to %s: %s", self.status_path, exc
            )
