"""Does the model beat naive baselines on held-out days? Three honest checks.

Run:  python benchmarks/evaluate_model.py [--seeds 3] [--json]

For each seed, with the default plan (`TrainingConfig()`):

1. *Held-out days, simulated cohort*: pretrain on the first three quarters of
   each of 24 simulated athletes' 365 days; evaluate on the last quarter.
2. *Unseen athletes*: the same model on 8 athletes it never saw (another
   seed), again only on the last quarter of their days.
3. *A person with a year of data*: one further simulated athlete plays "the
   person". The model is pretrained, then fine-tuned on the first three
   quarters of that person's days and evaluated on the last quarter; the
   pretrained-only model is scored on the same days for comparison.

Errors are mean absolute errors of the next morning's lnRMSSD deviation from
the 60-day baseline (ln ms). Baselines: `yesterday` (last measured value),
`rolling_mean_7d`, `baseline_60d` (no deviation). All data here is simulated;
no real person's months of data were available (see README-training.md).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import torch

from fitlearn.training.budget import TrainingBudget
from fitlearn.training.dataset import BASELINES, split_by_time
from fitlearn.training.simulator import ATHLETE_TYPES, simulate_athlete, simulate_cohort
from fitlearn.training.trainer import (
    Trainer,
    TrainingConfig,
    TrainingData,
    TrainingPaths,
    predict,
)
from plugins.models.gru import GruResponseModel

BUDGET = TrainingBudget(
    threads=1, max_wall_s=3600, max_memory_mb=10_000, low_priority=False
)


def _scores(
    module: torch.nn.Module, plugin: GruResponseModel, samples: Any
) -> dict[str, Any]:
    predicted = predict(module, samples.select(plugin.inputs.channels))
    errors = {"model": float((predicted - samples.targets).abs().mean())}
    for name in BASELINES:
        errors[name] = float((samples.baselines[name] - samples.targets).abs().mean())
    return {"days": len(samples), **{k: round(v, 4) for k, v in errors.items()}}


def _train(
    plugin: GruResponseModel, data: TrainingData, config: TrainingConfig, root: Path
) -> torch.nn.Module:
    trainer = Trainer(plugin, data, TrainingPaths(root), config, BUDGET)
    trainer.run()
    from fitlearn.training import checkpoint
    from fitlearn.training.model import build_module

    module = build_module(plugin, config.seed)
    saved = checkpoint.load(trainer.model_path)
    assert saved is not None
    module.load_state_dict(saved["state_dict"])
    return module


def evaluate_seed(seed: int, workdir: Path) -> dict[str, Any]:
    """The three checks for one seed."""
    plugin = GruResponseModel()
    window = plugin.inputs.window_days
    config = TrainingConfig(seed=seed)
    pretrained_data = TrainingData.build(config, window, None)
    pretrained = _train(plugin, pretrained_data, config, workdir / f"pre-{seed}")

    unseen = simulate_cohort(8, config.simulated_days, seed + 1000)
    _, unseen_held = split_by_time(
        [h.daily for h in unseen], window, config.holdout_fraction
    )

    kinds = list(ATHLETE_TYPES.values())
    person = simulate_athlete(kinds[seed % len(kinds)], 365, f"person-{seed}").daily
    personal_data = TrainingData.build(config, window, person)
    assert personal_data.basis.fine_tuned
    tuned = _train(plugin, personal_data, config, workdir / f"tuned-{seed}")

    return {
        "seed": seed,
        "cohort_held_out": _scores(
            pretrained, plugin, pretrained_data.simulated_held_out
        ),
        "unseen_athletes_held_out": _scores(pretrained, plugin, unseen_held),
        "person_held_out_pretrained_only": _scores(
            pretrained, plugin, personal_data.personal_held_out
        ),
        "person_held_out_fine_tuned": _scores(
            tuned, plugin, personal_data.personal_held_out
        ),
        "person": kinds[seed % len(kinds)].name,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        results = [
            evaluate_seed(seed, Path(workdir)) for seed in range(1, args.seeds + 1)
        ]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    header = f"{'seed':>4} {'check':<32} {'days':>5} {'model':>7} " + " ".join(
        f"{b:>15}" for b in BASELINES
    )
    print(header)
    for result in results:
        for check in (
            "cohort_held_out",
            "unseen_athletes_held_out",
            "person_held_out_pretrained_only",
            "person_held_out_fine_tuned",
        ):
            s = result[check]
            beats = all(s["model"] < s[b] for b in BASELINES)
            print(
                f"{result['seed']:>4} {check:<32} {s['days']:>5} {s['model']:>7.4f} "
                + " ".join(f"{s[b]:>15.4f}" for b in BASELINES)
                + ("  beats all" if beats else "  DOES NOT beat all")
            )
        print(f"{'':>4} (person simulated as: {result['person']})")


if __name__ == "__main__":
    main()
