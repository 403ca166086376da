"""The record of training runs in the store (table `training_runs`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fitlearn.store import Store, now_ms
from fitlearn.store.schema import TrainingRun


@dataclass(frozen=True)
class RunRecord:
    """A stored training run, detached from the database."""

    id: int
    model: str
    plan_id: str
    started_by: str
    started_at_ms: int
    ended_at_ms: int | None
    stop_reason: str | None
    first_step: int
    steps: int
    total_steps: int
    loss: float | None
    cpu_s: float | None
    peak_memory_mb: float | None
    data_basis: str
    evaluation: dict[str, Any] | None

    @classmethod
    def of(cls, row: TrainingRun) -> RunRecord:
        """From an ORM row."""
        return cls(
            row.id,
            row.model,
            row.plan_id,
            row.started_by,
            row.started_at_ms,
            row.ended_at_ms,
            row.stop_reason,
            row.first_step,
            row.steps,
            row.total_steps,
            row.loss,
            row.cpu_s,
            row.peak_memory_mb,
            row.data_basis,
            json.loads(row.evaluation) if row.evaluation else None,
        )


class RunLog:
    """Writes and reads training runs."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def start(
        self,
        *,
        model: str,
        plan_id: str,
        started_by: str,
        first_step: int,
        total_steps: int,
        data_basis: str,
    ) -> int:
        """Record a run that begins now; returns its id."""
        with self.store.writing() as orm:
            row = TrainingRun(
                model=model,
                plan_id=plan_id,
                started_by=started_by,
                started_at_ms=now_ms(),
                first_step=first_step,
                steps=0,
                total_steps=total_steps,
                data_basis=data_basis,
            )
            orm.add(row)
            orm.flush()
            return row.id

    def finish(
        self,
        run_id: int,
        *,
        stop_reason: str,
        steps: int,
        loss: float | None,
        cpu_s: float,
        peak_memory_mb: float,
        evaluation: dict[str, Any] | None,
    ) -> None:
        """Record how run `run_id` ended."""
        with self.store.writing() as orm:
            row = orm.get_one(TrainingRun, run_id)
            row.ended_at_ms = now_ms()
            row.stop_reason = stop_reason
            row.steps = steps
            row.loss = loss
            row.cpu_s = cpu_s
            row.peak_memory_mb = peak_memory_mb
            row.evaluation = json.dumps(evaluation) if evaluation is not None else None

    def latest(self, limit: int = 10) -> list[RunRecord]:
        """The most recent runs, newest first."""
        with self.store.reading() as orm:
            rows = orm.scalars(
                select(TrainingRun)
                .order_by(TrainingRun.started_at_ms.desc(), TrainingRun.id.desc())
                .limit(limit)
            ).all()
            return [RunRecord.of(row) for row in rows]
