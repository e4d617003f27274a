"""A matrix drawn as coloured terminal cells: digits, weights, attention.

Built on Textual's Line API because a 64x64 frame must cost milliseconds, not the 33-48 ms
a rich Text took: colours for the whole matrix come from one vectorised numpy pass, styles are
shared between cells of the same colour pair, and each line's Strip is cached until the data or
the width changes.
"""

from __future__ import annotations

import math
from typing import Unpack

import numpy as np
from rich.segment import Segment
from textual import events
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.cell_strips import (
    BOLD,
    PLAIN,
    SHADES,
    colours_stripped,
    half_block_strip,
    runs_strip,
    shade_levels,
    shade_strip,
    style_for,
)
from tui.widgets.colormaps import (
    color_codes,
    colormap_lut,
    hidden_cells,
    hidden_color,
    normalise,
    value_range,
)
from tui.widgets.heatmap_labels import (
    gutter_width,
    header_height,
    header_strip,
    label_text,
    pair_labels,
)
from tui.widgets.heatmap_legend import legend_strip, scale_width, title_lines
from tui.widgets.widget_message import WidgetMessage
from tui.widgets.widget_options import WidgetOptions

HIDDEN_GLYPH = "·"
HIDDEN_FG_CODE = 0xA0A0A0
"""The light grey of the marker drawn on hidden cells."""
MARKER = 2
"""Columns of the marked row's gutter: '▶ ' beside its line (▀ or ▄ for a half of a line)."""


def _rows(matrix: np.ndarray) -> int:
    shape = np.shape(matrix)
    return 1 if len(shape) == 1 else shape[0]


def _cols(matrix: np.ndarray) -> int:
    return np.shape(matrix)[-1]


class Heatmap(Widget):
    """A 2-D array as colours: two rows per line in half blocks, or one row per line with labels
    (or two, `half_blocks`, where a labelled matrix must fit fewer lines)."""

    DEFAULT_CSS = """
    Heatmap {
        width: auto;
        height: auto;
    }
    """

    class CellClicked(WidgetMessage):
        """The user clicked matrix cell (row, col)."""

        def __init__(self, heatmap: Heatmap, row: int, col: int) -> None:
            super().__init__(heatmap)
            self.row = row
            self.col = col

    def __init__(
        self,
        matrix: np.ndarray | None = None,
        *,
        colormap: str = "viridis",
        vmin: float | None = None,
        vmax: float | None = None,
        row_labels: list[str] | None = None,
        col_labels: list[str] | None = None,
        legend: bool = True,
        cell_width: int = 1,
        title: str = "",
        masked: np.ndarray | None = None,
        marked_row: int | None = None,
        half_blocks: bool = False,
        **options: Unpack[WidgetOptions],
    ) -> None:
        super().__init__(**options)
        colormap_lut(colormap)  # fail early on an unknown name
        if cell_width < 1:
            raise ValueError("cell_width must be at least 1")
        self.colormap = colormap
        self.legend = legend
        self.cell_width = cell_width
        self.title = title
        self.vmin = vmin
        self.vmax = vmax
        self.marked_row = marked_row  # drawn with a marker in the gutter, e.g. a query row
        self.half_blocks = half_blocks
        self._row_labels: list[str] | None = None
        self._col_labels: list[str] | None = None
        self._strips: dict[tuple[int, int], Strip] = {}
        self._matrix: np.ndarray | None = None
        self._set_data(matrix, vmin, vmax, row_labels, col_labels, masked)

    # -- data ---------------------------------------------------------------------------------

    @property
    def matrix(self) -> np.ndarray | None:
        """The values shown (float64 copy)."""
        return self._matrix

    @property
    def value_range(self) -> tuple[float, float]:
        """The (lo, hi) mapped to the two ends of the colormap."""
        return self._lo, self._hi

    @property
    def colors(self) -> np.ndarray:
        """RGB uint8 (rows, cols, 3) of every cell as drawn, hidden cells included."""
        codes = self._codes
        return np.stack([(codes >> 16) & 0xFF, (codes >> 8) & 0xFF, codes & 0xFF], -1).astype(
            np.uint8
        )

    @property
    def hidden_color(self) -> tuple[int, int, int]:
        """The colour of NaN, -inf and masked cells for this colormap."""
        return hidden_color(self.colormap)

    @property
    def labelled(self) -> bool:
        """One matrix row per line with a label gutter/header, instead of half blocks."""
        return self._row_labels is not None or self._col_labels is not None

    def update_matrix(
        self,
        matrix: np.ndarray | None,
        *,
        vmin: float | None = None,
        vmax: float | None = None,
        row_labels: list[str] | None = None,
        col_labels: list[str] | None = None,
        masked: np.ndarray | None = None,
        marked_row: int | None = None,
        half_blocks: bool | None = None,
    ) -> None:
        """Show new data and redraw.

        vmin/vmax default to those given to the constructor, then to the data's finite min/max.
        Labels left out keep the current ones if they still fit the new shape; [] removes them.
        `marked_row` is marked until the next update; `half_blocks` left out stays as it is.
        """
        self.marked_row = marked_row
        if half_blocks is not None:
            self.half_blocks = half_blocks
        if row_labels is None and self._row_labels is not None and matrix is not None:
            row_labels = self._row_labels if len(self._row_labels) == _rows(matrix) else None
        if col_labels is None and self._col_labels is not None and matrix is not None:
            col_labels = self._col_labels if len(self._col_labels) == _cols(matrix) else None
        self._set_data(matrix, vmin, vmax, row_labels, col_labels, masked)
        self.refresh(layout=True)

    def _set_data(
        self,
        matrix: np.ndarray | None,
        vmin: float | None,
        vmax: float | None,
        row_labels: list[str] | None,
        col_labels: list[str] | None,
        masked: np.ndarray | None,
    ) -> None:
        values = np.zeros((0, 0)) if matrix is None else np.array(matrix, dtype=np.float64)
        if values.ndim == 1:
            values = values[None, :]
        if values.ndim != 2:
            raise ValueError(f"Heatmap needs a 2-D matrix, got shape {values.shape}")
        rows, cols = values.shape
        for labels, n, what in ((row_labels, rows, "row"), (col_labels, cols, "col")):
            if labels and len(labels) != n:
                raise ValueError(f"{len(labels)} {what} labels for {n} {what}s")
        self._matrix = None if matrix is None else values
        self._row_labels = [label_text(s) for s in row_labels] if row_labels else None
        self._col_labels = [label_text(s) for s in col_labels] if col_labels else None
        hidden = hidden_cells(values, masked)
        vmin = self.vmin if vmin is None else vmin
        vmax = self.vmax if vmax is None else vmax
        self._lo, self._hi = value_range(values[~hidden], self.colormap, vmin, vmax)
        t = normalise(values, self._lo, self._hi)
        self._codes = color_codes(t, self.colormap, hidden)
        shade = shade_levels(t)
        glyphs = np.asarray(list(SHADES))[shade]
        glyphs[hidden] = HIDDEN_GLYPH
        self._rows = self._codes.tolist()
        self._glyphs = glyphs.tolist()
        self._shade = shade
        self._strips.clear()

    # -- geometry -----------------------------------------------------------------------------

    @property
    def _shape(self) -> tuple[int, int]:
        return self._codes.shape if self._matrix is not None else (0, 0)

    @property
    def _half(self) -> bool:
        """Two matrix rows per line: always without labels, with them when asked."""
        return self.half_blocks or not self.labelled

    @property
    def _row_texts(self) -> list[str] | None:
        """The gutter's labels, one per line: two rows' labels in one with half blocks."""
        if self._row_labels and self._half:
            return pair_labels(self._row_labels)
        return self._row_labels

    @property
    def _marker(self) -> int:
        return 0 if self.marked_row is None else MARKER

    @property
    def _gutter(self) -> int:
        return self._marker + gutter_width(self._row_texts)

    @property
    def _header_height(self) -> int:
        return header_height(self._col_labels, self.cell_width)

    @property
    def _grid_size(self) -> Size:
        rows, cols = self._shape
        lines = math.ceil(rows / 2) if self._half else rows
        return Size(self._gutter + cols * self.cell_width, self._header_height + lines)

    @property
    def grid_region(self) -> Region:
        """The labels and cells, without the title and legend, in content coordinates."""
        return Region(0, 0, *self._grid_size)

    def row_region(self, row: int) -> Region:
        """The line showing matrix `row`: its gutter and every cell, in content coordinates."""
        line = row // 2 if self._half else row
        return Region(0, self._header_height + line, self._grid_size.width, 1)

    def _title_lines(self, width: int) -> list[str]:
        return title_lines(self.title, self._lo, self._hi, width)

    def _has_legend(self) -> bool:
        return self.legend and self._matrix is not None

    def get_content_width(self, container: Size, viewport: Size) -> int:
        width = self._grid_size.width
        return max(width, scale_width(self._lo, self._hi)) if self._has_legend() else width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._has_legend():
            return self._grid_size.height
        return self._grid_size.height + len(self._title_lines(width)) + 1

    def cell_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The matrix (row, col) under content offset (x, y), or None off the grid.

        In half-block mode a line holds rows 2y and 2y+1; the terminal cannot tell which half
        was hit, so the upper row is returned.
        """
        rows, cols = self._shape
        x, y = x - self._gutter, y - self._header_height
        row = 2 * y if self._half else y
        if x < 0 or y < 0:
            return None
        col = x // self.cell_width
        if row >= rows or col >= cols:
            return None
        return row, col

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        cell = self.cell_at(offset.x, offset.y)
        if cell is not None:
            self.post_message(self.CellClicked(self, *cell))

    # -- rendering ----------------------------------------------------------------------------

    def _colourless(self) -> bool:
        try:
            return colours_stripped(self.app)
        except Exception:  # not mounted (benchmarks)
            return False

    def render_line(self, y: int) -> Strip:
        return self.line_strip(y, self.size.width)

    def line_strip(self, y: int, width: int) -> Strip:
        """Line y of the content at the given width, from the cache when the data is unchanged."""
        key = (y, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._build_line(y, width).adjust_cell_length(width, PLAIN)
        return strip

    def render_all(self, width: int | None = None) -> list[Strip]:
        """Every content line, e.g. to time a frame without an app."""
        if width is None:
            width = self.get_content_width(Size(0, 0), Size(0, 0))
        height = self.get_content_height(Size(width, 0), Size(width, 0), width)
        return [self.line_strip(y, width) for y in range(height)]

    def _build_line(self, y: int, width: int) -> Strip:
        grid = self._grid_size
        if y >= grid.height:
            titles = self._title_lines(width) if self._has_legend() else []
            below = y - grid.height
            if below < len(titles):
                return Strip([Segment(titles[below], BOLD)])
            if below == len(titles) and self._has_legend():
                return legend_strip(self.colormap, self._lo, self._hi, self.title, width)
            return Strip.blank(width, PLAIN)
        header = self._header_height
        if y < header:
            blank = Strip([Segment(" " * self._gutter, PLAIN)], self._gutter)
            return Strip.join([blank, header_strip(self._col_labels or [], self.cell_width, y)])
        line = y - header
        cells = self._half_line(line) if self._half else self._label_line(line)
        return Strip.join([self._gutter_strip(line), cells])

    def _gutter_strip(self, line: int) -> Strip:
        """The marker, if the marked row is on this line, and the line's label."""
        marker = " " * self._marker
        first = 2 * line if self._half else line
        if self._marker and self.marked_row == first:
            marker = "▀ " if self._half else "▶ "
        elif self._marker and self._half and self.marked_row == first + 1:
            marker = "▄ "
        labels = self._row_texts
        label = labels[line].rjust(self._gutter - self._marker - 1) + " " if labels else ""
        return Strip([Segment(marker, BOLD), Segment(label, PLAIN)], self._gutter)

    def _half_line(self, y: int) -> Strip:
        rows = self._rows
        upper = rows[2 * y]
        lower = rows[2 * y + 1] if 2 * y + 1 < len(rows) else None
        if not self._colourless():
            return half_block_strip(upper, lower, self.cell_width)
        # Colours stripped: a shade glyph per cell, from the brighter of its two rows.
        shade = self._shade[2 * y : 2 * y + 2].max(axis=0)
        return shade_strip(upper, [SHADES[s] for s in shade.tolist()], self.cell_width)

    def _label_line(self, row: int) -> Strip:
        codes = self._rows[row]
        glyphs = self._glyphs[row]
        # Shade glyph in the cell's own colour: solid with colour, still readable without.
        fg = [HIDDEN_FG_CODE if g == HIDDEN_GLYPH else c for c, g in zip(codes, glyphs)]
        return self._label_cells(fg, codes, glyphs)

    def _label_cells(self, fg: list[int], bg: list[int], glyphs: list[str]) -> Strip:
        width = self.cell_width
        if width == 1:
            return runs_strip(fg, bg, glyphs, 1)
        segments = []
        pad = (width - 1) // 2
        for f, b, g in zip(fg, bg, glyphs):
            style = style_for(f, b)
            if g == HIDDEN_GLYPH:
                text = " " * pad + g + " " * (width - pad - 1)
            else:
                text = g * width
            segments.append(Segment(text, style))
        return Strip(segments, width * len(fg)).simplify()
