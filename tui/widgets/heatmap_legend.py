"""The lines under a heatmap's grid: its title and the colour scale with the range's two ends.

The title shares the scale's line when both fit the widget's width and wraps onto lines of its
own above it otherwise, so a long title never makes the widget wider than its grid.
"""

from __future__ import annotations

import textwrap

from rich.segment import Segment
from textual.strip import Strip

from tui.widgets.cell_strips import BOLD, NO_COLOR, PLAIN, style_for
from tui.widgets.colormaps import LUT_SIZE, lut_codes

RAMP = "▁▂▃▄▅▆▇█"


def format_value(value: float) -> str:
    """Short range labels: 0.00, -1.25, 3.1e+03."""
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"{value:.2f}"
    return f"{value:.2g}"


def scale_width(lo: float, hi: float) -> int:
    """Columns of the scale alone: 'lo ▁▂▃▄▅▆▇█ hi'."""
    return len(format_value(lo)) + len(RAMP) + len(format_value(hi)) + 2


def _title_fits(title: str, lo: float, hi: float, width: int) -> bool:
    return len(title) + 1 + scale_width(lo, hi) <= width


def title_lines(title: str, lo: float, hi: float, width: int) -> list[str]:
    """The title wrapped onto lines of its own, or [] when it fits beside the scale."""
    if not title or _title_fits(title, lo, hi, width):
        return []
    return textwrap.wrap(title, max(width, 1))


def legend_strip(colormap: str, lo: float, hi: float, title: str, width: int) -> Strip:
    """The scale's line: the title if it fits, then lo, the colormap's ramp and hi."""
    codes = lut_codes(colormap)
    steps = len(RAMP) - 1
    segments = []
    if title and _title_fits(title, lo, hi, width):
        segments.append(Segment(title + " ", BOLD))
    segments.append(Segment(format_value(lo) + " ", PLAIN))
    for i, glyph in enumerate(RAMP):
        code = codes[round(i * (LUT_SIZE - 1) / steps)]
        segments.append(Segment(glyph, style_for(code, NO_COLOR)))
    segments.append(Segment(" " + format_value(hi), PLAIN))
    return Strip(segments)
