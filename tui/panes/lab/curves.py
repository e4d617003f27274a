"""Two training-loss curves on one pair of axes, drawn in braille dots (2 x 4 per cell).

Each dot column averages the steps that fall into it, so a 300-step curve and a 5,000-step
curve both fill the width, and the noise of single mini-batches is smoothed away. Both curves
share one vertical scale, so "B ends far below A" is what the picture shows too. The last line
is a legend the caller fills in (final train / validation loss of each).
"""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

BRAILLE = 0x2800
# the bit of each dot in a braille cell, by [dot row 0..3][dot column 0..1]
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
GUTTER = 6  # "  4.17┤"-style axis labels
SERIES = ("A", "B")


def bucket_means(values: list[float], total: int, columns: int) -> list[tuple[int, float]]:
    """(dot column, mean value) for every column that holds at least one of `values`, where
    value i (step i + 1 of `total`) falls in column floor(i * columns / total)."""
    if not values or columns < 1:
        return []
    total = max(total, len(values), 1)
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for i, v in enumerate(values):
        if not math.isfinite(v):
            continue
        c = min(i * columns // total, columns - 1)
        sums[c] = sums.get(c, 0.0) + v
        counts[c] = counts.get(c, 0) + 1
    return [(c, sums[c] / counts[c]) for c in sorted(sums)]


def plot_dots(
    points: list[tuple[int, float]], lo: float, hi: float, dot_rows: int
) -> set[tuple[int, int]]:
    """The (dot row, dot column) pairs of a line through `points`, row 0 at the top = `hi`."""

    def row_of(v: float) -> int:
        t = (hi - v) / (hi - lo) if hi > lo else 0.5
        return min(max(round(t * (dot_rows - 1)), 0), dot_rows - 1)

    dots: set[tuple[int, int]] = set()
    previous: tuple[int, int] | None = None
    for col, value in points:
        row = row_of(value)
        if previous is None:
            dots.add((row, col))
        else:
            pc, pr = previous
            last = pr
            for c in range(pc + 1, col + 1):  # interpolate across empty columns
                r = round(pr + (row - pr) * (c - pc) / (col - pc))
                top, bottom = sorted((last, r))
                for rr in range(top, bottom + 1):  # a vertical run keeps the line joined
                    dots.add((rr, c))
                last = r
        previous = (col, row)
    return dots


class LabCurves(Widget):
    DEFAULT_CSS = """
    LabCurves {
        width: 1fr;
        height: 9;
    }
    LabCurves > .lab-curves--a { color: $primary-lighten-2; }
    LabCurves > .lab-curves--b { color: $warning; }
    LabCurves > .lab-curves--both { color: $foreground; }
    LabCurves > .lab-curves--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"lab-curves--a", "lab-curves--b", "lab-curves--both", "lab-curves--axis"}

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.total = 1
        self.series: dict[str, list[float]] = {s: [] for s in SERIES}
        self.legend: dict[str, str] = {s: "" for s in SERIES}

    # -- data ---------------------------------------------------------------------------------
    def reset(self, total: int) -> None:
        self.total = max(1, total)
        self.series = {s: [] for s in SERIES}
        self.legend = {s: "" for s in SERIES}
        self.refresh()

    def extend(self, name: str, losses: list[float]) -> None:
        self.series[name].extend(losses)
        self.refresh()

    def show(self, total: int, series: dict[str, list[float]], legend: dict[str, str]) -> None:
        self.total = max(1, total)
        self.series = {s: list(series.get(s, [])) for s in SERIES}
        self.legend = {s: legend.get(s, "") for s in SERIES}
        self.refresh()

    def set_legend(self, name: str, text: str) -> None:
        self.legend[name] = text
        self.refresh()

    @property
    def has_data(self) -> bool:
        return any(self.series.values())

    # -- drawing ------------------------------------------------------------------------------
    def _grid(
        self, width: int, height: int
    ) -> tuple[list[list[int]], list[list[int]], float, float]:
        """Braille bits per cell for A and for B, and the value range."""
        cols = max(width - GUTTER, 1)
        rows = max(height - 1, 1)
        points = {s: bucket_means(v, self.total, 2 * cols) for s, v in self.series.items()}
        values = [v for pts in points.values() for _, v in pts]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if hi - lo < 1e-6:
            lo, hi = lo - 0.5, hi + 0.5
        bits = {s: [[0] * cols for _ in range(rows)] for s in SERIES}
        for s, pts in points.items():
            for r, c in plot_dots(pts, lo, hi, 4 * rows):
                bits[s][r // 4][c // 2] |= DOTS[r % 4][c % 2]
        return bits["A"], bits["B"], lo, hi

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        if height < 2 or width <= GUTTER:
            return Strip.blank(width, self.rich_style)
        axis = self.get_component_rich_style("lab-curves--axis")
        styles = {
            "A": self.get_component_rich_style("lab-curves--a"),
            "B": self.get_component_rich_style("lab-curves--b"),
        }
        if y == height - 1:
            return self._legend(width, styles, axis)
        if not self.has_data:
            text = "training loss of A and B, on one scale" if y == (height - 1) // 2 else ""
            return (
                Strip([Segment(" " * GUTTER + text, axis)])
                .crop(0, width)
                .adjust_cell_length(width, self.rich_style)
            )
        a_bits, b_bits, lo, hi = self._grid(width, height)
        rows = height - 1
        label = f"{hi:5.2f}" if y == 0 else f"{lo:5.2f}" if y == rows - 1 else " " * 5
        segments = [Segment(label + "┤", axis)]
        both = self.get_component_rich_style("lab-curves--both")
        for a, b in zip(a_bits[y], b_bits[y]):
            glyph = chr(BRAILLE | a | b)
            style: Style = both if a and b else styles["A"] if a else styles["B"] if b else axis
            segments.append(Segment(glyph if a or b else " ", style))
        return Strip(segments).simplify().adjust_cell_length(width, self.rich_style)

    def _legend(self, width: int, styles: dict[str, Style], axis: Style) -> Strip:
        segments = [Segment(" " * GUTTER, axis)]
        for s in SERIES:
            segments.append(Segment("━━ ", styles[s]))
            segments.append(Segment(f"{s} {self.legend[s]}".rstrip() + "   ", styles[s]))
        if self.has_data:
            segments.append(Segment(f"steps 1–{self.total}", axis))
        return Strip(segments).crop(0, width).adjust_cell_length(width, axis)
