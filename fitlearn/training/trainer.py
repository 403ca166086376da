"""The budgeted, resumable trainer that every model plugin goes through.

Where the data comes from (`TrainingData`): real personal history is scarce, so
every model is first *pretrained* on simulated athletes
(`fitlearn.training.simulator`) and then, once the person has at least
`min_personal_samples` days with a next-morning HRV measurement, *fine-tuned*
on the earlier three quarters of their own days. Evaluation is always on
held-out later days (a time-based split): the person's own when there are
enough, else the simulated athletes'. Every result carries a `DataBasis` that
says which.

How a run stays exact under interruption: a *plan* fixes the stages, epochs,
batch size and learning rates, so every step number maps to one batch (the
order of an epoch is drawn from a generator seeded by seed, stage and epoch).
A checkpoint holds the step number, the module, the optimiser and torch's RNG
state; a run that starts from it continues with the very batch and the very
random numbers the interrupted run would have used next. With one thread,
CPU arithmetic is deterministic, so an interrupted run ends with the same
weights as an uninterrupted one.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import torch

from fitlearn.store import now_ms
from fitlearn.training import checkpoint
from fitlearn.training.budget import BudgetWatch, TrainingBudget, apply_budget
from fitlearn.training.dataset import BASELINES, Samples, fingerprint, split_by_time
from fitlearn.training.model import ModelPlugin, build_module, parameter_count
from fitlearn.training.runs import RunLog
from fitlearn.training.simulator import simulate_cohort

logger = logging.getLogger(__name__)

PLAN_FORMAT = 1
"""Bump when anything that changes the trained weights for a plan changes."""
RECENT_LOSSES = 50
EVAL_BATCH = 256
"""Small: a GRU's activations for thousands of samples at once cost tens of MB."""


class StopReason(enum.StrEnum):
    """Why a run ended."""

    COMPLETED = "completed"
    UP_TO_DATE = "up_to_date"
    """Nothing to do: the model was already trained on this data."""
    POWER = "power"
    """External power went away (or the power gate closed)."""
    TIME_CAP = "time_cap"
    MEMORY_CAP = "memory_cap"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


StopCheck = Callable[[], StopReason | None]
"""Asked before every step; a reason stops the run at that step boundary."""


def never_stop() -> StopReason | None:
    """A stop check that never stops."""
    return None


@dataclass(frozen=True)
class TrainingConfig:
    """What a plan is made of (changing any of it starts a new plan)."""

    seed: int = 7
    simulated_histories: int = 24
    simulated_days: int = 365
    pretrain_epochs: int = 12
    finetune_epochs: int = 15
    batch_size: int = 64
    learning_rate: float = 3e-3
    finetune_learning_rate: float = 3e-4
    """Gentle: a year of one person is a few hundred samples, easy to overfit."""
    holdout_fraction: float = 0.25
    min_personal_samples: int = 60
    """Fine-tune only with at least this many of the person's own training samples."""


@dataclass(frozen=True)
class TrainingPaths:
    """Where one database's checkpoints and models live (owner-only folders)."""

    root: Path

    def checkpoint(self, model: str) -> Path:
        """The resumable state of `model`'s current plan."""
        return self.root / "checkpoints" / f"{model}.ckpt"

    def model(self, model: str) -> Path:
        """The last completely trained `model`."""
        return self.root / "models" / f"{model}.pt"

    @property
    def daemon_status(self) -> Path:
        """What the daemon last said about itself (JSON)."""
        return self.root / "daemon-status.json"


@dataclass(frozen=True)
class DataBasis:
    """Which data a model rests on."""

    simulated_histories: int
    simulated_days: int
    seed: int
    personal_samples: int
    """The person's training samples (days with a next-morning HRV target)."""
    personal_held_out: int
    fine_tuned: bool
    min_personal_samples: int

    def text(self) -> str:
        """One sentence for the user."""
        simulated = (
            f"pretrained on {self.simulated_histories} simulated athletes x "
            f"{self.simulated_days} days (seed {self.seed})"
        )
        if self.fine_tuned:
            return (
                f"{simulated}, fine-tuned on {self.personal_samples} of your days "
                f"(evaluated on your last {self.personal_held_out})"
            )
        return (
            f"{simulated} only: {self.personal_samples} of your days have a next-morning "
            f"HRV measurement, fine-tuning needs {self.min_personal_samples}"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the sentence under `text`."""
        return asdict(self) | {"text": self.text()}


@dataclass(frozen=True)
class TrainingData:
    """Train and held-out samples, simulated and personal."""

    simulated_train: Samples
    simulated_held_out: Samples
    personal_train: Samples
    personal_held_out: Samples
    basis: DataBasis
    fingerprint: str

    @classmethod
    def build(
        cls,
        config: TrainingConfig,
        window_days: int,
        personal_daily: pl.DataFrame | None,
    ) -> TrainingData:
        """Simulate the cohort, window both sources, split each by time."""
        cohort = simulate_cohort(
            config.simulated_histories, config.simulated_days, config.seed
        )
        simulated = split_by_time(
            [h.daily for h in cohort], window_days, config.holdout_fraction
        )
        personal_frames = (
            []
            if personal_daily is None or personal_daily.is_empty()
            else [personal_daily]
        )
        personal = split_by_time(personal_frames, window_days, config.holdout_fraction)
        fine_tune = (
            len(personal[0]) >= config.min_personal_samples and len(personal[1]) > 0
        )
        basis = DataBasis(
            config.simulated_histories,
            config.simulated_days,
            config.seed,
            len(personal[0]),
            len(personal[1]),
            fine_tune,
            config.min_personal_samples,
        )
        print_ = fingerprint(personal_frames[0]) if personal_frames else "none"
        return cls(*simulated, *personal, basis, print_)


@dataclass(frozen=True)
class Stage:
    """One part of a plan: epochs over one set of samples."""

    name: str
    inputs: torch.Tensor
    targets: torch.Tensor
    epochs: int
    batch_size: int
    learning_rate: float
    first_step: int

    @property
    def batches_per_epoch(self) -> int:
        """Batches in one pass over the samples."""
        return math.ceil(int(self.targets.shape[0]) / self.batch_size)

    @property
    def steps(self) -> int:
        """Steps in the whole stage."""
        return self.epochs * self.batches_per_epoch


class Plan:
    """The full sequence of steps for one model, data and config."""

    def __init__(
        self, plugin: ModelPlugin, data: TrainingData, config: TrainingConfig
    ) -> None:
        self.seed = config.seed
        stages = []
        step = 0
        parts = [
            (
                "pretrain",
                data.simulated_train,
                config.pretrain_epochs,
                config.learning_rate,
            )
        ]
        if data.basis.fine_tuned:
            parts.append(
                (
                    "finetune",
                    data.personal_train,
                    config.finetune_epochs,
                    config.finetune_learning_rate,
                )
            )
        for name, samples, epochs, rate in parts:
            if len(samples) == 0 or epochs <= 0:
                continue
            stage = Stage(
                name,
                samples.select(plugin.inputs.channels),
                samples.targets,
                epochs,
                config.batch_size,
                rate,
                step,
            )
            stages.append(stage)
            step += stage.steps
        self.stages = tuple(stages)
        self.total_steps = step
        identity = {
            "format": PLAN_FORMAT,
            "model": plugin.name,
            "inputs": plugin.inputs.describe(),
            "config": asdict(config),
            "personal": data.fingerprint,
        }
        blob = json.dumps(identity, sort_keys=True).encode()
        self.plan_id = hashlib.sha256(blob).hexdigest()[:16]
        self._order: tuple[int, int, torch.Tensor] | None = None

    def locate(self, step: int) -> tuple[int, int, int]:
        """(stage index, epoch, batch) of a step number."""
        for index, stage in enumerate(self.stages):
            if step < stage.first_step + stage.steps:
                offset = step - stage.first_step
                return (
                    index,
                    offset // stage.batches_per_epoch,
                    offset % stage.batches_per_epoch,
                )
        raise IndexError(f"step {step} is beyond the plan's {self.total_steps} steps")

    def batch(self, step: int) -> tuple[Stage, torch.Tensor, torch.Tensor]:
        """The stage, inputs and targets of a step."""
        index, epoch, batch = self.locate(step)
        stage = self.stages[index]
        if self._order is None or self._order[:2] != (index, epoch):
            generator = torch.Generator().manual_seed(
                self.seed * 1_000_003 + index * 10_007 + epoch
            )
            order = torch.randperm(int(stage.targets.shape[0]), generator=generator)
            self._order = (index, epoch, order)
        chosen = self._order[2][
            batch * stage.batch_size : (batch + 1) * stage.batch_size
        ]
        return stage, stage.inputs[chosen], stage.targets[chosen]


@dataclass(frozen=True)
class EvaluationSet:
    """Errors on one set of held-out days."""

    data: str
    """`simulated` or `personal`."""
    days: int
    model_mae: float
    baseline_mae: dict[str, float]

    @property
    def beats_baselines(self) -> bool:
        """Whether the model's error is below every naive baseline's."""
        return all(self.model_mae < error for error in self.baseline_mae.values())


@dataclass(frozen=True)
class Evaluation:
    """Held-out errors (mean absolute error in lnRMSSD units)."""

    sets: tuple[EvaluationSet, ...]

    @property
    def primary(self) -> EvaluationSet:
        """The person's own held-out days when there are any, else the simulated ones."""
        personal = [s for s in self.sets if s.data == "personal"]
        return (personal or list(self.sets))[0]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: `model_mae` and `baseline_mae` of the primary set, and all sets."""
        primary = self.primary
        return {
            "model_mae": primary.model_mae,
            "baseline_mae": dict(primary.baseline_mae),
            "evaluated_on": primary.data,
            "held_out_days": primary.days,
            "unit": "lnRMSSD deviation from baseline (ln ms)",
            "sets": [asdict(s) for s in self.sets],
        }


def evaluate(
    module: torch.nn.Module, plugin: ModelPlugin, data: TrainingData
) -> Evaluation:
    """Mean absolute errors of the model and each baseline on the held-out days."""
    sets = []
    for name, samples in (
        ("simulated", data.simulated_held_out),
        ("personal", data.personal_held_out),
    ):
        if len(samples) == 0:
            continue
        predicted = predict(module, samples.select(plugin.inputs.channels))
        sets.append(
            EvaluationSet(
                name,
                len(samples),
                _mae(predicted, samples.targets),
                {b: _mae(samples.baselines[b], samples.targets) for b in BASELINES},
            )
        )
    return Evaluation(tuple(sets))


def predict(module: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """The module's predictions, in batches, without gradients."""
    module.eval()
    with torch.no_grad():
        parts = [
            module(inputs[i : i + EVAL_BATCH])
            for i in range(0, len(inputs), EVAL_BATCH)
        ]
    return torch.cat(parts) if parts else torch.zeros(0)


def _mae(predicted: torch.Tensor, target: torch.Tensor) -> float:
    return round(float((predicted - target).abs().mean()), 5)


@dataclass(frozen=True)
class RunResult:
    """What one run did."""

    model: str
    stop_reason: StopReason
    first_step: int
    steps: int
    total_steps: int
    loss: float | None
    cpu_s: float
    wall_s: float
    peak_memory_mb: float
    """Peak resident memory above the run's start, MB."""
    peak_rss_mb: float
    """Peak resident memory of the whole process, MB."""
    evaluation: Evaluation | None
    basis: DataBasis
    run_id: int | None
    parameters: int
    applied_budget: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        """Whether the plan has been trained to the end."""
        return self.first_step + self.steps >= self.total_steps

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; `model_mae`, `baseline_mae`, `steps`, `peak_memory_mb` on top."""
        evaluation = self.evaluation.as_dict() if self.evaluation else {}
        return {
            "model": self.model,
            "model_mae": evaluation.get("model_mae"),
            "baseline_mae": evaluation.get("baseline_mae", {}),
            "steps": self.steps,
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "stop_reason": str(self.stop_reason),
            "completed": self.completed,
            "step": self.first_step + self.steps,
            "total_steps": self.total_steps,
            "loss": self.loss,
            "cpu_s": round(self.cpu_s, 2),
            "wall_s": round(self.wall_s, 2),
            "parameters": self.parameters,
            "data_basis": self.basis.as_dict(),
            "evaluation": evaluation or None,
            "run_id": self.run_id,
            "budget": self.applied_budget,
        }


@dataclass
class _State:
    """What a checkpoint holds, while a run is under way."""

    module: torch.nn.Module
    optimizer: torch.optim.Optimizer
    step: int = 0
    losses: list[float] = field(default_factory=list)


class Trainer:
    """Runs one model's plan within a budget, resuming from its checkpoint.

    Args:
        plugin: The model plugin to train.
        data: Its data (built with the plugin's window).
        paths: Where checkpoints and model files go.
        config: The plan's settings.
        budget: Limits of each run.
        runs: Where runs are recorded; None records nothing.
        started_by: `cli` or `daemon`, for the record.
    """

    def __init__(
        self,
        plugin: ModelPlugin,
        data: TrainingData,
        paths: TrainingPaths,
        config: TrainingConfig,
        budget: TrainingBudget,
        runs: RunLog | None = None,
        started_by: str = "cli",
    ) -> None:
        self.plugin = plugin
        self.data = data
        self.paths = paths
        self.config = config
        self.budget = budget
        self.runs = runs
        self.started_by = started_by
        self.plan = Plan(plugin, data, config)

    @property
    def checkpoint_path(self) -> Path:
        """This model's checkpoint."""
        return self.paths.checkpoint(self.plugin.name)

    @property
    def model_path(self) -> Path:
        """This model's trained file."""
        return self.paths.model(self.plugin.name)

    def up_to_date(self) -> bool:
        """Whether the model file was trained by exactly this plan."""
        saved = checkpoint.load(self.model_path)
        return saved is not None and saved.get("plan_id") == self.plan.plan_id

    def run(
        self,
        stop_check: StopCheck = never_stop,
        on_step: Callable[[int], None] | None = None,
        restart: bool = False,
    ) -> RunResult:
        """Train until the plan is done, the budget is spent or `stop_check` says stop.

        Args:
            stop_check: Asked before every step.
            on_step: Called with the step number after each step.
            restart: Forget the checkpoint and train the plan from its start.
        """
        checkpoint.private_dir(self.paths.root)
        if restart:
            self.checkpoint_path.unlink(missing_ok=True)
        resumed = self._resume_state()
        if resumed is None and not restart and self.up_to_date():
            return self._up_to_date_result()
        applied = apply_budget(self.budget)
        watch = BudgetWatch(self.budget)
        module = build_module(self.plugin, self.config.seed)
        state = _State(module, self._optimizer(module, 0))
        if resumed is not None:
            self._restore(resumed, state)
        first_step = state.step
        run_id = self._record_start(first_step)
        try:
            reason = self._loop(state, stop_check, on_step, watch)
        except BaseException:
            self._record_failure(run_id, state.step - first_step, watch)
            raise
        self._save_checkpoint(state)
        evaluation = evaluate(module, self.plugin, self.data)
        if state.step >= self.plan.total_steps:
            self._save_model(module, evaluation)
        result = RunResult(
            self.plugin.name,
            reason,
            first_step,
            state.step - first_step,
            self.plan.total_steps,
            _mean(state.losses),
            watch.cpu_s(),
            watch.wall_s(),
            watch.sample_memory(),
            watch.peak_mb,
            evaluation,
            self.data.basis,
            run_id,
            parameter_count(module),
            applied,
        )
        self._record_end(result)
        logger.info(
            "Training %s stopped (%s) at step %d of %d after %.1f s",
            self.plugin.name,
            reason,
            state.step,
            self.plan.total_steps,
            result.wall_s,
        )
        return result

    def _loop(
        self,
        state: _State,
        stop_check: StopCheck,
        on_step: Callable[[int], None] | None,
        watch: BudgetWatch,
    ) -> StopReason:
        last_checkpoint = time.monotonic()
        while state.step < self.plan.total_steps:
            reason = self._should_stop(stop_check, watch)
            if reason is not None:
                return reason
            self._step(state)
            if on_step is not None:
                on_step(state.step)
            if time.monotonic() - last_checkpoint >= self.budget.checkpoint_every_s:
                self._save_checkpoint(state)
                last_checkpoint = time.monotonic()
        return StopReason.COMPLETED

    def _should_stop(
        self, stop_check: StopCheck, watch: BudgetWatch
    ) -> StopReason | None:
        reason = stop_check()
        if reason is not None:
            return reason
        if watch.time_spent():
            return StopReason.TIME_CAP
        if watch.memory_spent():
            return StopReason.MEMORY_CAP
        return None

    def _step(self, state: _State) -> None:
        stage, inputs, targets = self.plan.batch(state.step)
        if state.step == stage.first_step and state.step > 0:
            # A new stage starts with fresh optimiser moments at its own rate.
            state.optimizer = self._optimizer(state.module, state.step)
        state.module.train()
        state.optimizer.zero_grad()
        loss = self.plugin.loss(state.module(inputs), targets)
        torch.autograd.backward(loss)
        state.optimizer.step()
        state.losses = [*state.losses[-(RECENT_LOSSES - 1) :], float(loss.detach())]
        state.step += 1

    def _optimizer(self, module: torch.nn.Module, step: int) -> torch.optim.Optimizer:
        stages = self.plan.stages
        rate = stages[self.plan.locate(step)[0]].learning_rate if stages else 0.0
        return torch.optim.Adam(module.parameters(), lr=rate)

    def _resume_state(self) -> dict[str, Any] | None:
        try:
            state = checkpoint.load(self.checkpoint_path)
        except checkpoint.CheckpointError as exc:
            logger.warning("%s", exc)
            self.checkpoint_path.unlink(missing_ok=True)
            return None
        if state is None:
            return None
        if state.get("plan_id") != self.plan.plan_id:
            logger.info(
                "Checkpoint of %s belongs to an older plan (data or settings changed); "
                "starting a new plan",
                self.plugin.name,
            )
            return None
        if int(state["step"]) >= self.plan.total_steps:
            return None
        return state

    def _restore(self, saved: dict[str, Any], state: _State) -> None:
        state.step = int(saved["step"])
        state.losses = [float(v) for v in saved["recent_losses"]]
        # The optimiser must be the one of the stage the checkpoint was taken in.
        state.optimizer = self._optimizer(state.module, state.step)
        state.module.load_state_dict(saved["module"])
        state.optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["torch_rng"])
        logger.info(
            "Resuming %s at step %d of %d",
            self.plugin.name,
            state.step,
            self.plan.total_steps,
        )

    def _save_checkpoint(self, state: _State) -> None:
        done = state.step >= self.plan.total_steps
        stage, epoch, batch = (
            (len(self.plan.stages), 0, 0) if done else self.plan.locate(state.step)
        )
        checkpoint.atomic_save(
            {
                "format": PLAN_FORMAT,
                "plan_id": self.plan.plan_id,
                "model": self.plugin.name,
                "step": state.step,
                "total_steps": self.plan.total_steps,
                "position": {"stage": stage, "epoch": epoch, "batch": batch},
                "module": state.module.state_dict(),
                "optimizer": state.optimizer.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "recent_losses": state.losses,
            },
            self.checkpoint_path,
        )

    def _save_model(self, module: torch.nn.Module, evaluation: Evaluation) -> None:
        checkpoint.atomic_save(
            {
                "format": PLAN_FORMAT,
                "model": self.plugin.name,
                "inputs": self.plugin.inputs.describe(),
                "plan_id": self.plan.plan_id,
                "trained_at_ms": now_ms(),
                "total_steps": self.plan.total_steps,
                "state_dict": module.state_dict(),
                "data_basis": self.data.basis.as_dict(),
                "evaluation": evaluation.as_dict(),
                "parameters": parameter_count(module),
            },
            self.model_path,
        )

    def _up_to_date_result(self) -> RunResult:
        saved = checkpoint.load(self.model_path) or {}
        evaluation = saved.get("evaluation") or {}
        sets = tuple(EvaluationSet(**s) for s in evaluation.get("sets", []))
        return RunResult(
            self.plugin.name,
            StopReason.UP_TO_DATE,
            self.plan.total_steps,
            0,
            self.plan.total_steps,
            None,
            0.0,
            0.0,
            0.0,
            0.0,
            Evaluation(sets) if sets else None,
            self.data.basis,
            None,
            int(saved.get("parameters", 0)),
        )

    def _record_start(self, first_step: int) -> int | None:
        if self.runs is None:
            return None
        return self.runs.start(
            model=self.plugin.name,
            plan_id=self.plan.plan_id,
            started_by=self.started_by,
            first_step=first_step,
            total_steps=self.plan.total_steps,
            data_basis=self.data.basis.text(),
        )

    def _record_end(self, result: RunResult) -> None:
        if self.runs is None or result.run_id is None:
            return
        self.runs.finish(
            result.run_id,
            stop_reason=str(result.stop_reason),
            steps=result.steps,
            loss=result.loss,
            cpu_s=result.cpu_s,
            peak_memory_mb=result.peak_memory_mb,
            evaluation=result.evaluation.as_dict() if result.evaluation else None,
        )

    def _record_failure(
        self, run_id: int | None, steps: int, watch: BudgetWatch
    ) -> None:
        if self.runs is None or run_id is None:
            return
        try:
            self.runs.finish(
                run_id,
                stop_reason=str(StopReason.FAILED),
                steps=steps,
                loss=None,
                cpu_s=watch.cpu_s(),
                peak_memory_mb=watch.sample_memory(),
                evaluation=None,
            )
        except Exception:  # the original error matters more than the record of it
            logger.exception("Could not record the failed training run %s", run_id)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None
