"""A heart-rate curve drawn with block characters, coloured by zone."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from fitlearn.features.session import zone_of

BLOCKS = " ▁▂▃▄▅▆▇█"
ZONE_STYLES = ("grey62", "green3", "yellow3", "dark_orange", "red3")
"""Colours of zones 1-5 (the same in the chart and the zone legend)."""
AXIS_WIDTH = 4


def bucket_means(values: Sequence[float], buckets: int) -> list[float | None]:
    """Average `values` into `buckets` equal slices, oldest first.

    With fewer values than buckets, each value spans several buckets, so a short
    session still fills the width. Returns None for every bucket when empty.
    """
    count = len(values)
    if buckets <= 0:
        return []
    if count == 0:
        return [None] * buckets
    out: list[float | None] = []
    for i in range(buckets):
        lo = i * count // buckets
        hi = max(lo + 1, (i + 1) * count // buckets)
        chunk = values[lo:hi]
        out.append(sum(chunk) / len(chunk))
    return out


def render_hr_chart(
    bpm: Sequence[float], zones_bpm: Sequence[tuple[int, int]], width: int, height: int
) -> Text:
    """Draw `bpm` (in time order) as bars `height` rows tall.

    Each column is the mean of its slice of samples, coloured by its zone. The
    y-axis runs from just below the lowest to the highest value shown.
    """
    plot_width = max(1, width - AXIS_WIDTH)
    if not bpm or height < 1:
        return Text("no heart-rate samples", style="dim")
    columns = bucket_means(bpm, plot_width)
    shown = [c for c in columns if c is not None]
    low, high = min(shown) - 5, max(shown)
    span = max(high - low, 1.0)
    levels = [
        None if c is None else round((c - low) / span * height * (len(BLOCKS) - 1))
        for c in columns
    ]
    text = Text()
    for row in range(height, 0, -1):
        label = (
            f"{high:>3.0f} "
            if row == height
            else f"{low + 5:>3.0f} "
            if row == 1
            else " " * 4
        )
        text.append(label, style="dim")
        for column, level in zip(columns, levels, strict=True):
            if level is None or column is None:
                text.append(" ")
                continue
            fill = level - (row - 1) * (len(BLOCKS) - 1)
            char = BLOCKS[max(0, min(len(BLOCKS) - 1, fill))]
            text.append(char, style=ZONE_STYLES[(zone_of(column, zones_bpm) or 1) - 1])
        if row > 1:
            text.append("\n")
    return text


def render_zone_legend(
    zones_bpm: Sequence[tuple[int, int]], seconds: Sequence[float], width: int = 80
) -> Text:
    """`Z1 60-137 12m  Z2 ...` in zone colours; without the bpm ranges when narrow."""
    with_ranges = width >= 70
    text = Text()
    for zone, ((low, high), spent) in enumerate(
        zip(zones_bpm, seconds, strict=True), 1
    ):
        if zone > 1:
            text.append("  ")
        text.append(f"Z{zone} ", style=f"bold {ZONE_STYLES[zone - 1]}")
        text.append(f"{low}-{high} " if with_ranges else "")
        text.append(f"{spent / 60:.0f}m")
    return text
