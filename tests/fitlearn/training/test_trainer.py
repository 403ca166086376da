"""The budgeted trainer: exact resume, caps, private files, run records, quality.

Runs real training of the built-in GRU on small simulated cohorts.
"""

from __future__ import annotations

import stat
from dataclasses import replace

import polars as pl
import pytest
import torch

from fitlearn.store import Store
from fitlearn.training import checkpoint
from fitlearn.training.runs import RunLog
from fitlearn.training.simulator import ATHLETE_TYPES, simulate_athlete
from fitlearn.training.trainer import StopReason, Trainer, TrainingConfig, TrainingData
from tests.fitlearn.training.conftest import TINY


def _stop_at(*calls: int):
    count = {"n": 0}

    def check() -> StopReason | None:
        count["n"] += 1
        return StopReason.POWER if count["n"] in calls else None

    return check


def _weights(path) -> dict[str, torch.Tensor]:
    payload = checkpoint.load(path)
    assert payload is not None
    weights: dict[str, torch.Tensor] = payload["state_dict"]
    return weights


def test_interrupted_run_ends_with_identical_weights(gru, tiny_data, budget, tmp_path):
    from fitlearn.training.trainer import TrainingPaths

    straight = Trainer(gru, tiny_data, TrainingPaths(tmp_path / "a"), TINY, budget)
    broken = Trainer(gru, tiny_data, TrainingPaths(tmp_path / "b"), TINY, budget)
    assert straight.plan.total_steps > 20

    whole = straight.run()
    first = broken.run(_stop_at(7))
    second = broken.run(_stop_at(5))
    last = broken.run()

    assert whole.stop_reason is StopReason.COMPLETED
    assert (first.stop_reason, first.steps) == (StopReason.POWER, 6)
    assert (second.first_step, second.steps) == (6, 4)
    assert last.first_step == 10
    assert last.completed
    a, b = _weights(straight.model_path), _weights(broken.model_path)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_across_the_pretrain_finetune_boundary_is_exact(gru, budget, tmp_path):
    from fitlearn.training.trainer import TrainingPaths

    personal = simulate_athlete(ATHLETE_TYPES["recreational"], 200, "me").daily
    config = replace(TINY, min_personal_samples=40, finetune_epochs=2)
    data = TrainingData.build(config, gru.inputs.window_days, personal)
    assert data.basis.fine_tuned
    straight = Trainer(gru, data, TrainingPaths(tmp_path / "a"), config, budget)
    broken = Trainer(gru, data, TrainingPaths(tmp_path / "b"), config, budget)
    boundary = straight.plan.stages[1].first_step

    straight.run()
    broken.run(_stop_at(boundary + 1))  # stops exactly at the first fine-tuning step
    broken.run()

    a, b = _weights(straight.model_path), _weights(broken.model_path)
    assert all(torch.equal(a[k], b[k]) for k in a)
    evaluation = checkpoint.load(broken.model_path)["evaluation"]  # type: ignore[index]
    assert evaluation["evaluated_on"] == "personal"
    assert "fine-tuned on" in checkpoint.load(broken.model_path)["data_basis"]["text"]  # type: ignore[index]


def test_checkpoint_holds_model_optimizer_rng_and_position(
    gru, tiny_data, budget, paths
):
    trainer = Trainer(gru, tiny_data, paths, TINY, budget)

    trainer.run(_stop_at(4))
    saved = checkpoint.load(trainer.checkpoint_path)

    assert saved is not None
    assert saved["step"] == 3
    assert saved["position"] == {"stage": 0, "epoch": 0, "batch": 3}
    assert set(saved) >= {"module", "optimizer", "torch_rng", "plan_id"}
    assert saved["optimizer"]["state"]  # Adam moments, not a fresh optimiser


def test_files_and_folders_are_private(gru, tiny_data, budget, paths):
    trainer = Trainer(gru, tiny_data, paths, TINY, budget)

    trainer.run()

    for path in (trainer.checkpoint_path, trainer.model_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.root.stat().st_mode) == 0o700


def test_wall_time_cap_stops_and_next_run_resumes(gru, tiny_data, budget, paths):
    trainer = Trainer(gru, tiny_data, paths, TINY, replace(budget, max_wall_s=0.0))

    capped = trainer.run()
    trainer.budget = budget
    finished = trainer.run()

    assert capped.stop_reason is StopReason.TIME_CAP
    assert capped.steps == 0
    assert finished.first_step == 0
    assert finished.completed


def test_memory_cap_stops(gru, tiny_data, budget, paths):
    trainer = Trainer(gru, tiny_data, paths, TINY, replace(budget, max_memory_mb=-1.0))

    result = trainer.run()

    assert result.stop_reason is StopReason.MEMORY_CAP


def test_threads_budget_is_applied(gru, tiny_data, budget, paths):
    before = torch.get_num_threads()
    try:
        result = Trainer(gru, tiny_data, paths, TINY, replace(budget, threads=1)).run()
        assert torch.get_num_threads() == 1
        assert "1 torch thread(s)" in result.applied_budget
    finally:
        torch.set_num_threads(before)


def test_up_to_date_until_the_data_changes(gru, tiny_data, budget, paths):
    Trainer(gru, tiny_data, paths, TINY, budget).run()

    again = Trainer(gru, tiny_data, paths, TINY, budget).run()
    personal = simulate_athlete(ATHLETE_TYPES["masters"], 60, "p").daily
    changed = TrainingData.build(TINY, gru.inputs.window_days, personal)
    new_plan = Trainer(gru, changed, paths, TINY, budget).run()

    assert again.stop_reason is StopReason.UP_TO_DATE
    assert again.steps == 0
    assert again.evaluation is not None
    assert new_plan.stop_reason is StopReason.COMPLETED
    assert new_plan.first_step == 0


def test_each_run_is_recorded(gru, tiny_data, budget, paths, tmp_path):
    with Store(tmp_path / "runs.db") as store:
        log = RunLog(store)
        trainer = Trainer(gru, tiny_data, paths, TINY, budget, log, "daemon")

        trainer.run(_stop_at(3))
        trainer.run()
        runs = log.latest()

    assert [r.stop_reason for r in runs] == ["completed", "power"]
    last, first = runs
    assert (first.first_step, first.steps, first.started_by) == (0, 2, "daemon")
    assert last.first_step == 2
    assert last.steps == last.total_steps - 2
    assert last.ended_at_ms is not None
    assert last.ended_at_ms >= last.started_at_ms
    assert last.cpu_s is not None
    assert last.cpu_s > 0
    assert last.loss is not None
    assert last.evaluation is not None
    assert set(last.evaluation["baseline_mae"]) == {
        "yesterday",
        "rolling_mean_7d",
        "baseline_60d",
    }
    assert "simulated" in last.data_basis


def test_failing_loss_records_a_failed_run(gru, tiny_data, budget, paths, tmp_path):
    class Broken(type(gru)):  # type: ignore[misc]
        def loss(self, predicted, target):
            raise ValueError("boom")

    with Store(tmp_path / "runs.db") as store:
        log = RunLog(store)
        with pytest.raises(ValueError, match="boom"):
            Trainer(Broken(), tiny_data, paths, TINY, budget, log).run()
        (run,) = log.latest()

    assert run.stop_reason == "failed"


def test_without_personal_days_the_basis_says_simulated_only(tiny_data):
    basis = tiny_data.basis.text()

    assert not tiny_data.basis.fine_tuned
    assert "simulated" in basis
    assert "only" in basis
    assert "needs 60" in basis


@pytest.mark.slow
def test_model_beats_naive_baselines_on_held_out_days(gru, budget, paths):
    config = TrainingConfig(
        seed=11, simulated_histories=8, simulated_days=300, pretrain_epochs=6
    )
    data = TrainingData.build(config, gru.inputs.window_days, None)

    result = Trainer(gru, data, paths, config, budget).run()

    assert result.evaluation is not None
    (held_out,) = result.evaluation.sets
    assert held_out.days > 300
    assert held_out.beats_baselines, held_out


def test_empty_personal_frame_means_no_personal_data(gru):
    empty = pl.DataFrame(
        schema={
            "date": pl.Date,
            "load": pl.Float64,
            "ln_rmssd": pl.Float64,
            "hrv_baseline": pl.Float64,
            "resting_hr": pl.Float64,
        }
    )

    data = TrainingData.build(TINY, gru.inputs.window_days, empty)

    assert data.fingerprint == "none"
    assert len(data.personal_train) == 0
