"""Heart-rate variability: RMSSD from RR intervals, with artifacts removed.

Method (documented because results depend on it):

1. A beat is an artifact when it differs by more than `ARTIFACT_TOLERANCE` (20 %)
   from the median of its neighbours, up to two on each side, itself excluded.
   This catches a premature beat and the compensatory pause after it, and missed
   or doubled detections, while following real changes of pace.
2. A successive difference is used only when both beats are clean and were
   adjacent in the original recording: not across a removed beat, and not across
   a gap in the recording (`after_gap`). Removing beats and then differencing the
   compacted list would invent a beat-to-beat change that never happened (FEAT-01).
3. RMSSD = sqrt(mean(squared differences)); lnRMSSD is its natural log, the scale
   on which day-to-day readiness is judged. The number of pairs used is reported
   with the number possible, so a thin result can be shown as low confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ARTIFACT_TOLERANCE = 0.20
NEIGHBOURS_EACH_SIDE = 2
MIN_PAIRS_FOR_RMSSD = 5


@dataclass(frozen=True)
class RmssdResult:
    """RMSSD of one RR series and how much of the series it rests on."""

    rmssd_ms: float | None
    ln_rmssd: float | None
    pairs_used: int
    pairs_total: int
    artifacts: list[int]
    """Indices of the beats judged artifacts."""


def mark_artifacts(rr: pl.DataFrame) -> pl.DataFrame:
    """Add `artifact` and `valid_pair` columns to an RR frame.

    Args:
        rr: `session_id`, `rr_ms`, `after_gap`, in beat order within each session.

    Returns:
        The frame with `artifact` (bool), `diff_ms` (this beat minus the previous
        one) and `valid_pair` (whether `diff_ms` counts for RMSSD).
    """
    by_session = "session_id"
    neighbours = [
        pl.col("rr_ms").shift(k).over(by_session)
        for k in range(-NEIGHBOURS_EACH_SIDE, NEIGHBOURS_EACH_SIDE + 1)
        if k != 0
    ]
    reference = pl.concat_list(neighbours).list.drop_nulls().list.median()
    artifact = (
        (pl.col("rr_ms") - reference).abs() > ARTIFACT_TOLERANCE * reference
    ).fill_null(False)
    return rr.with_columns(artifact=artifact).with_columns(
        diff_ms=pl.col("rr_ms").diff().over(by_session),
        valid_pair=(
            ~pl.col("artifact")
            & ~pl.col("artifact").shift(1).over(by_session).fill_null(True)
            & ~pl.col("after_gap")
        ),
    )


def rmssd_by_session(rr: pl.DataFrame) -> pl.DataFrame:
    """RMSSD per session.

    Returns:
        `session_id`, `rr_count`, `rr_artifacts`, `rr_pairs_used`,
        `rr_pairs_total`, `rmssd_ms`, `ln_rmssd` (null below
        `MIN_PAIRS_FOR_RMSSD` usable pairs).
    """
    return _summarise(mark_artifacts(rr))


def _summarise(marked: pl.DataFrame) -> pl.DataFrame:
    squared = pl.when(pl.col("valid_pair")).then(pl.col("diff_ms") ** 2)
    summary = marked.group_by("session_id", maintain_order=True).agg(
        rr_count=pl.len(),
        rr_artifacts=pl.col("artifact").sum(),
        rr_pairs_used=pl.col("valid_pair").sum(),
        rr_pairs_total=(pl.len() - 1).clip(lower_bound=0),
        mean_square=squared.mean(),
    )
    enough = pl.col("rr_pairs_used") >= MIN_PAIRS_FOR_RMSSD
    return (
        summary.with_columns(
            rmssd_ms=pl.when(enough).then(pl.col("mean_square").sqrt()),
        )
        .with_columns(ln_rmssd=pl.col("rmssd_ms").log())
        .drop("mean_square")
    )


def rmssd(rr_ms: list[float], after_gap: list[bool] | None = None) -> RmssdResult:
    """RMSSD of one RR series (milliseconds, in beat order)."""
    gaps = after_gap if after_gap is not None else [False] * len(rr_ms)
    frame = pl.DataFrame(
        {"session_id": [0] * len(rr_ms), "rr_ms": rr_ms, "after_gap": gaps},
        schema={"session_id": pl.Int64, "rr_ms": pl.Float64, "after_gap": pl.Boolean},
    )
    marked = mark_artifacts(frame)
    summary = _summarise(marked)
    artifacts = marked.with_row_index().filter(pl.col("artifact"))["index"].to_list()
    if summary.is_empty():
        return RmssdResult(None, None, 0, 0, [])
    row = summary.row(0, named=True)
    return RmssdResult(
        row["rmssd_ms"],
        row["ln_rmssd"],
        row["rr_pairs_used"],
        row["rr_pairs_total"],
        artifacts,
    )
