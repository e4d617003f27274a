"""Loss curves on one pair of axes, drawn in braille dots (2 x 4 per cell): the Lab's two
variants, the Build pane's rungs.

Each point is (step, loss); each dot column averages the points that fall into it, so a
300-step curve and a 5,000-step curve both fill the width, and the noise of single mini-batches
is smoothed away. All curves share one vertical scale, so "B ends far below A" is what the
picture shows too; where two curves share a cell it is drawn in the foreground colour. The last
line is a legend the caller fills in (each curve's name, and a note after it); with
`wrap_legend` it takes as many lines as its entries need, each entry whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import reduce
from operator import or_

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

BRAILLE = 0x2800
# the bit of each dot in a braille cell, by [dot row 0..3][dot column 0..1]
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
GUTTER = 6  # "  4.17┤"-style axis labels
COLOURS = 8  # curves beyond this many reuse the colours from the first

Point = tuple[float, float]  # (step, loss)


def bucket_means(points: list[Point], total: float, columns: int) -> list[tuple[int, float]]:
    """(dot column, mean value) for every column that holds at least one of `points`, where a
    point at step x of `total` falls in column floor(x * columns / total)."""
    if not points or columns < 1:
        return []
    total = max(total, 1)
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for x, v in points:
        if not math.isfinite(v):
            continue
        c = min(max(int(x * columns // total), 0), columns - 1)
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


class Curves(Widget):
    """Named curves, each in its own colour (by its place in `names`), over steps
    `first_step`..`total`; `empty` is said in the middle until a curve has a point."""

    DEFAULT_CSS = """
    Curves {
        width: 1fr;
        height: 9;
    }
    Curves > .curves--0 { color: $primary-lighten-2; }
    Curves > .curves--1 { color: $warning; }
    Curves > .curves--2 { color: $success; }
    Curves > .curves--3 { color: $error; }
    Curves > .curves--4 { color: $secondary-lighten-2; }
    Curves > .curves--5 { color: $accent-lighten-1; }
    Curves > .curves--6 { color: $primary-darken-1; }
    Curves > .curves--7 { color: $warning-darken-3; }
    Curves > .curves--both { color: $foreground; }
    Curves > .curves--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        *(f"curves--{i}" for i in range(COLOURS)),
        "curves--both",
        "curves--axis",
    }

    def __init__(
        self,
        names: Sequence[str],
        empty: str,
        *,
        first_step: int = 1,
        wrap_legend: bool = False,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(name=name, id=id)
        self.empty, self.first_step = empty, first_step
        self.wrap_legend = wrap_legend
        self.total = 1
        self.names: list[str] = list(names)
        self.series: dict[str, list[Point]] = {s: [] for s in self.names}
        self.legend: dict[str, str] = {s: "" for s in self.names}

    # -- data ---------------------------------------------------------------------------------
    def reset(self, total: int, names: Sequence[str] | None = None) -> None:
        """No curves, over `total` steps (and these names, if given)."""
        self.total = max(1, total)
        if names is not None:
            self.names = list(names)
        self.series = {s: [] for s in self.names}
        self.legend = {s: "" for s in self.names}
        self.refresh()

    def _named(self, name: str) -> list[Point]:
        """The curve called `name`, a new one (after the others) if there is none yet."""
        if name not in self.series:
            self.names.append(name)
            self.series[name], self.legend[name] = [], ""
        return self.series[name]

    def extend(self, name: str, losses: list[float]) -> None:
        """One loss per step, after the steps the curve has."""
        curve = self._named(name)
        curve.extend((len(curve) + i, v) for i, v in enumerate(losses))
        self.refresh()

    def add_points(self, name: str, points: list[Point]) -> None:
        """Losses at the steps given (evaluations, which come every N steps)."""
        self._named(name).extend(points)
        self.refresh()

    def clear(self, name: str) -> None:
        self._named(name).clear()
        self.refresh()

    def show(self, total: int, series: dict[str, list[float]], legend: dict[str, str]) -> None:
        """Whole curves of one loss per step, and their legends."""
        self.reset(total)
        for s in self.names:
            self.series[s] = list(enumerate(series.get(s, [])))
            self.legend[s] = legend.get(s, "")

    def set_legend(self, name: str, text: str) -> None:
        self._named(name)
        self.legend[name] = text
        self.refresh()

    @property
    def has_data(self) -> bool:
        return any(self.series.values())

    # -- drawing ------------------------------------------------------------------------------
    def _grid(self, width: int, rows: int) -> tuple[dict[str, list[list[int]]], float, float]:
        """Braille bits per cell for each curve over `rows` lines, and the value range."""
        cols = max(width - GUTTER, 1)
        points = {s: bucket_means(v, self.total, 2 * cols) for s, v in self.series.items()}
        values = [v for pts in points.values() for _, v in pts]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if hi - lo < 1e-6:
            lo, hi = lo - 0.5, hi + 0.5
        bits = {s: [[0] * cols for _ in range(rows)] for s in self.names}
        for s, pts in points.items():
            for r, c in plot_dots(pts, lo, hi, 4 * rows):
                bits[s][r // 4][c // 2] |= DOTS[r % 4][c % 2]
        return bits, lo, hi

    def _styles(self) -> dict[str, Style]:
        return {
            s: self.get_component_rich_style(f"curves--{i % COLOURS}")
            for i, s in enumerate(self.names)
        }

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        if height < 2 or width <= GUTTER:
            return Strip.blank(width, self.rich_style)
        axis = self.get_component_rich_style("curves--axis")
        legend = self._legend_lines(width)
        rows = max(height - len(legend), 1)
        if y >= rows:
            segments = legend[y - rows] if y - rows < len(legend) else []
            return Strip(segments).crop(0, width).adjust_cell_length(width, axis)
        if not self.has_data:
            text = self.empty if y == rows // 2 else ""
            return (
                Strip([Segment(" " * GUTTER + text, axis)])
                .crop(0, width)
                .adjust_cell_length(width, self.rich_style)
            )
        bits, lo, hi = self._grid(width, rows)
        label = f"{hi:5.2f}" if y == 0 else f"{lo:5.2f}" if y == rows - 1 else " " * 5
        segments = [Segment(label + "┤", axis)]
        both = self.get_component_rich_style("curves--both")
        styles = self._styles()
        for cell in zip(*(bits[s][y] for s in self.names)):
            drawn = [s for s, b in zip(self.names, cell) if b]
            glyph = chr(BRAILLE | reduce(or_, cell, 0))
            style = both if len(drawn) > 1 else styles[drawn[0]] if drawn else axis
            segments.append(Segment(glyph if drawn else " ", style))
        return Strip(segments).simplify().adjust_cell_length(width, self.rich_style)

    def _legend_lines(self, width: int) -> list[list[Segment]]:
        """The legend's entries (each curve's, the overlap colour's, the steps') on one line,
        or with `wrap_legend` on as many lines of `width` as keep each entry whole."""
        styles = self._styles()
        axis = self.get_component_rich_style("curves--axis")
        both = self.get_component_rich_style("curves--both")
        entries = [
            [
                Segment("━━ ", styles[s]),
                Segment(f"{s} {self.legend[s]}".rstrip() + "   ", styles[s]),
            ]
            for s in self.names
        ]
        if len(self.names) > 1:  # the colour of cells that several curves pass through
            entries.append([Segment("━━ overlapping   ", both)])
        if self.has_data:
            entries.append([Segment(f"steps {self.first_step}–{self.total}", axis)])
        lines = [[Segment(" " * GUTTER, axis)]]
        used = GUTTER
        for entry in entries:
            text = "".join(segment.text for segment in entry)
            if self.wrap_legend and used > GUTTER and used + cell_len(text.rstrip()) > width:
                lines.append([Segment(" " * GUTTER, axis)])
                used = GUTTER
            lines[-1].extend(entry)
            used += cell_len(text)
        return lines

    def legend_region(self) -> Region:
        """Where the legend is in the widget's content, as wide as its longest line needs (so a
        line cut at the widget's edge shows as running past it)."""
        lines = self._legend_lines(self.size.width)
        needed = max(cell_len("".join(s.text for s in line).rstrip()) for line in lines)
        return Region(0, max(self.size.height - len(lines), 0), needed, len(lines))
