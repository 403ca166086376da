"""The daemon trains only while charging, stops fast on unplug and resumes exactly.

Emulation level: power is faked at the sysfs boundary, a temporary folder laid
out like `/sys/class/power_supply` (an AC adapter and a battery) that the real
`SysfsProbe` reads; plugging and unplugging rewrite its files. Everything else
is real: the APScheduler daemon, the power monitor thread, the trainer with the
built-in GRU, a SQLite store under tmp_path and checkpoint files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import torch

from fitlearn.features.profile import Profile
from fitlearn.power import ChainedProbe, ChargingGate, SysfsProbe
from fitlearn.store import Store, now_ms
from fitlearn.training import checkpoint
from fitlearn.training.runs import RunLog
from fitlearn.training.schedule import DaemonSettings, TrainingDaemon
from fitlearn.training.service import TrainingService
from fitlearn.training.trainer import Trainer, TrainingPaths
from tests.fitlearn.training.conftest import TINY
from tests.power_supply import FakePowerSupply

# Long enough (about a second or two of steps) that the cable can be pulled mid-run.
PLAN = replace(TINY, pretrain_epochs=12, batch_size=8)
POLL_S = 0.2


def _wait_for(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture
def setup(tmp_path, gru, budget):
    tree = FakePowerSupply(tmp_path / "power_supply")
    store = Store(tmp_path / "fitlearn.db")
    paths = TrainingPaths(tmp_path / "training")
    service = TrainingService(store, Profile(), gru, paths, PLAN, budget)
    settings = DaemonSettings(
        check_interval_s=3600, refresh_interval_s=3600, power_poll_s=POLL_S
    )
    probe = ChainedProbe([SysfsProbe(tree.root)])
    daemon = TrainingDaemon(
        service, probe.read, ChargingGate(), settings, status_path=paths.daemon_status
    )
    yield tree, store, paths, service, daemon
    daemon.stop()
    store.close()


def test_trains_only_on_external_power_and_resumes_to_identical_weights(
    setup, gru, budget, tmp_path
):
    tree, store, paths, service, daemon = setup
    runs = RunLog(store)
    daemon.start()

    # On battery: the start-up check and a few polls pass without any training.
    time.sleep(1.0)
    assert runs.latest() == []
    assert not service.trainer("test").checkpoint_path.exists()
    assert daemon.status()["training_allowed"] is False

    # Plugged in: the monitor notices and the train job starts within seconds.
    plugged_at = time.monotonic()
    tree.plug()
    started = _wait_for(lambda: runs.latest())
    assert time.monotonic() - plugged_at < 3.0
    assert started[0].started_by == "daemon"

    # Unplugged mid-run: training stops, with a checkpoint, within two seconds.
    _wait_for(lambda: daemon._training.locked())
    unplugged_ms = now_ms()
    tree.unplug()
    stopped = _wait_for(lambda: [r for r in runs.latest() if r.ended_at_ms is not None])
    first = stopped[0]
    assert first.stop_reason == "power"
    assert first.ended_at_ms is not None
    assert first.ended_at_ms - unplugged_ms < 2000
    assert 0 < first.steps < first.total_steps
    saved = checkpoint.load(paths.checkpoint(gru.name))
    assert saved is not None
    assert saved["step"] == first.steps

    # Plugged again: the next run resumes where the checkpoint left off and finishes.
    tree.plug()
    done = _wait_for(lambda: [r for r in runs.latest() if r.stop_reason == "completed"])
    assert done[0].first_step == first.steps

    # ...with exactly the weights of a run that was never interrupted.
    reference = Trainer(
        gru, service.trainer("test").data, TrainingPaths(tmp_path / "ref"), PLAN, budget
    )
    reference.run()
    resumed = checkpoint.load(paths.model(gru.name))
    straight = checkpoint.load(reference.model_path)
    assert resumed is not None
    assert straight is not None
    assert resumed["plan_id"] == straight["plan_id"]
    assert all(
        torch.equal(resumed["state_dict"][k], straight["state_dict"][k])
        for k in straight["state_dict"]
    )


def test_a_trained_model_is_not_retrained_while_the_data_stays_the_same(setup):
    tree, store, _paths, service, daemon = setup
    tree.plug()
    service.train(started_by="cli")

    daemon.start()
    time.sleep(1.0)
    daemon.train_job()

    assert [r.started_by for r in RunLog(store).latest()] == ["cli"]
