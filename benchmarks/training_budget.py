"""Memory, CPU time and disk size of one training run of the built-in model.

Run:  python benchmarks/training_budget.py [--epochs 12] [--json]

How it measures: the script starts a fresh child interpreter and, inside it,
reads the resident set size (RSS) at four points of the same run:

1. `interpreter`: right after start-up, before importing anything of ours;
2. `imports`: after importing torch, polars and fitlearn;
3. `libraries`: after torch's optimiser module has loaded what it imports
   lazily on first use (constructing an Adam on a dummy tensor pulls in about
   800 more torch modules, some 70 MB, in any program that trains anything);
4. `data`: after simulating the cohort and building the windows;
5. `peak`: the highest RSS seen while training, sampled every 5 ms by a thread
   and checked against the kernel's own high-water mark (ru_maxrss).

The training's own footprint is `peak - libraries`: data, model, optimiser
state, activations and evaluation. The rest is the price of importing torch.

Training uses the default plan (24 simulated athletes x 365 days, batch 64)
with one torch thread, as the daemon does. CPU seconds per epoch are the
process's CPU time during training divided by the epochs run. Model size is the
saved model file and the checkpoint on disk. Every figure is reported next to
the target as a ratio, and against the baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

TARGET_MB = 150.0
MB = 1024 * 1024


def _rss_mb() -> float:
    with Path("/proc/self/statm").open(encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / MB


def child(epochs: int, workdir: Path) -> dict[str, float]:
    """Runs inside the fresh interpreter."""
    interpreter = _rss_mb()
    import torch  # the import itself is what is measured

    from fitlearn.training.budget import TrainingBudget
    from fitlearn.training.trainer import (
        Trainer,
        TrainingConfig,
        TrainingData,
        TrainingPaths,
    )
    from plugins.models.gru import GruResponseModel

    imports = _rss_mb()
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    libraries = _rss_mb()
    plugin = GruResponseModel()
    config = TrainingConfig(pretrain_epochs=epochs)
    data = TrainingData.build(config, plugin.inputs.window_days, None)
    loaded = _rss_mb()

    peak = {"mb": loaded}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak["mb"] = max(peak["mb"], _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    budget = TrainingBudget(threads=1, max_wall_s=3600, max_memory_mb=10_000)
    trainer = Trainer(plugin, data, TrainingPaths(workdir), config, budget)
    cpu = time.process_time()
    wall = time.monotonic()
    result = trainer.run()
    cpu = time.process_time() - cpu
    wall = time.monotonic() - wall
    done.set()
    sampler.join()
    high_water = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert result.evaluation is not None
    return {
        "interpreter_mb": interpreter,
        "after_imports_mb": imports,
        "after_lazy_imports_mb": libraries,
        "after_data_mb": loaded,
        "peak_sampled_mb": peak["mb"],
        "peak_high_water_mb": high_water,
        "epochs": epochs,
        "steps": result.steps,
        "cpu_s": cpu,
        "wall_s": wall,
        "parameters": result.parameters,
        "model_file_bytes": trainer.model_path.stat().st_size,
        "checkpoint_bytes": trainer.checkpoint_path.stat().st_size,
        "model_mae": result.evaluation.primary.model_mae,
    }


def report(m: dict[str, float]) -> dict[str, float]:
    """Derived figures and ratios."""
    peak = max(m["peak_sampled_mb"], m["peak_high_water_mb"])
    over_interpreter = peak - m["interpreter_mb"]
    training = peak - m["after_lazy_imports_mb"]
    return m | {
        "peak_mb": peak,
        "peak_over_interpreter_mb": over_interpreter,
        "training_over_libraries_mb": training,
        "libraries_over_interpreter_mb": m["after_lazy_imports_mb"]
        - m["interpreter_mb"],
        "ratio_over_interpreter_to_target": over_interpreter / TARGET_MB,
        "ratio_training_to_target": training / TARGET_MB,
        "cpu_s_per_epoch": m["cpu_s"] / m["epochs"],
        "model_file_kb": m["model_file_bytes"] / 1024,
        "checkpoint_kb": m["checkpoint_bytes"] / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.epochs, args.child)))
        return
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                workdir,
                "--epochs",
                str(args.epochs),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    values = report(json.loads(output.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(values, indent=2))
        return
    print(f"parameters                      {values['parameters']:.0f}")
    print(f"RSS interpreter (baseline)      {values['interpreter_mb']:.1f} MB")
    print(f"RSS after imports (torch...)    {values['after_imports_mb']:.1f} MB")
    print(f"RSS after torch lazy imports    {values['after_lazy_imports_mb']:.1f} MB")
    print(f"RSS after data                  {values['after_data_mb']:.1f} MB")
    print(f"RSS peak during training        {values['peak_mb']:.1f} MB")
    print(
        f"training above libraries        {values['training_over_libraries_mb']:.1f} MB "
        f"= {values['ratio_training_to_target']:.2f} x the {TARGET_MB:.0f} MB target"
    )
    print(
        f"peak above bare interpreter     {values['peak_over_interpreter_mb']:.1f} MB "
        f"= {values['ratio_over_interpreter_to_target']:.2f} x the target "
        f"(torch and polars alone: {values['libraries_over_interpreter_mb']:.0f} MB)"
    )
    print(
        f"CPU per epoch, 1 thread         {values['cpu_s_per_epoch']:.2f} s "
        f"({values['steps']:.0f} steps in {values['epochs']:.0f} epochs)"
    )
    print(
        f"model file / checkpoint on disk {values['model_file_kb']:.0f} KB / "
        f"{values['checkpoint_kb']:.0f} KB"
    )
    print(f"held-out MAE                    {values['model_mae']:.4f}")


if __name__ == "__main__":
    main()
