"""Turn a Textual SVG screenshot back into plain text lines (for README captures)."""

from __future__ import annotations

import html
import re

_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>'
)
CELL_WIDTH = 12.2


def svg_to_text(svg: str) -> list[str]:
    """The screen's characters, one string per terminal row."""
    rows: dict[int, list[tuple[float, str]]] = {}
    for match in _TEXT.finditer(svg):
        rows.setdefault(int(match.group(2)), []).append(
            (float(match.group(1)), html.unescape(match.group(3)))
        )
    lines = []
    for row in sorted(rows):
        line = ""
        for x, text in sorted(rows[row]):
            line = line.ljust(round(x / CELL_WIDTH)) + text
        lines.append(line.replace("\xa0", " ").rstrip())
    return lines
