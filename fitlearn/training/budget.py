"""How much of the machine a training run may take, and how that is enforced.

- Threads: `torch.set_num_threads(threads)`, one by default, so a run occupies
  at most one core.
- Priority: the training thread gets the lowest CPU priority (nice 19) and the
  idle IO class, so anything the person does comes first. On Linux both are
  per-thread, so a daemon's other threads keep theirs; elsewhere they apply to
  the whole process.
- Wall time and memory: checked between steps by `BudgetWatch`; the run stops
  (and checkpoints) when either is spent. Memory is the resident set's growth
  above what it was when the run began, so the interpreter and the imported
  libraries do not count against the run.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

import psutil
import torch

logger = logging.getLogger(__name__)

LOWEST_NICE = 19
MB = 1024 * 1024


@dataclass(frozen=True)
class TrainingBudget:
    """Limits of one training run."""

    threads: int = 1
    """Torch intra-op threads."""
    max_wall_s: float = 600.0
    """Stop (and checkpoint) after this long; the next run resumes."""
    max_memory_mb: float = 150.0
    """Stop when resident memory grew by more than this since the run began."""
    low_priority: bool = True
    """Lowest CPU priority and idle IO class for the training thread."""
    checkpoint_every_s: float = 10.0
    """Checkpoint at least this often, besides at every stop."""


def apply_budget(budget: TrainingBudget) -> list[str]:
    """Set threads and priorities for the calling thread; say what was applied."""
    torch.set_num_threads(budget.threads)
    applied = [f"{budget.threads} torch thread(s)"]
    if budget.low_priority:
        applied += lower_priority()
    logger.debug("Training budget applied: %s", ", ".join(applied))
    return applied


def lower_priority() -> list[str]:
    """Nice 19 and idle IO for the calling thread (the process off Linux)."""
    applied = []
    per_thread = sys.platform.startswith("linux")
    target = threading.get_native_id() if per_thread else os.getpid()
    try:
        if hasattr(os, "setpriority"):
            os.setpriority(os.PRIO_PROCESS, target, LOWEST_NICE)
        else:
            psutil.Process().nice(psutil.IDLE_PRIORITY_CLASS)  # type: ignore[attr-defined,unused-ignore]
        applied.append("lowest CPU priority")
    except (OSError, psutil.Error) as exc:
        logger.debug("Cannot lower CPU priority: %s", exc)
    try:
        process = psutil.Process(target)
        if hasattr(psutil, "IOPRIO_CLASS_IDLE"):
            process.ionice(psutil.IOPRIO_CLASS_IDLE)
        else:
            process.ionice(psutil.IOPRIO_VERYLOW)  # type: ignore[attr-defined,unused-ignore]
        applied.append("idle IO priority")
    except (OSError, psutil.Error, AttributeError, ValueError) as exc:
        logger.debug("Cannot lower IO priority: %s", exc)
    return applied


def resident_mb() -> float:
    """This process's resident memory, MB."""
    return float(psutil.Process().memory_info().rss) / MB


class BudgetWatch:
    """Tracks one run's wall time, CPU time and memory against its budget."""

    def __init__(self, budget: TrainingBudget) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        self.baseline_mb = resident_mb()
        self.peak_mb = self.baseline_mb

    def wall_s(self) -> float:
        """Seconds since the run began."""
        return time.monotonic() - self.started

    def cpu_s(self) -> float:
        """CPU seconds this process used since the run began."""
        return time.process_time() - self.cpu_started

    def sample_memory(self) -> float:
        """Update the peak; return growth above the run's start, MB."""
        self.peak_mb = max(self.peak_mb, resident_mb())
        return self.peak_mb - self.baseline_mb

    def time_spent(self) -> bool:
        """Whether the wall-time cap is reached."""
        return self.wall_s() >= self.budget.max_wall_s

    def memory_spent(self) -> bool:
        """Whether resident memory grew past the cap."""
        # Limitation: checked between steps, so one step that allocates a lot
        # overshoots the cap before the run stops.
        return self.sample_memory() > self.budget.max_memory_mb
