"""A 28x28 pad to hand-write a digit for the network to read.

Strokes are painted with a soft brush (hit pixel 1.0, its four neighbours at least 0.5) because
MNIST digits are thick, anti-aliased strokes: a one-pixel line looks nothing like the training
data. A terminal cell holds two pixel rows and the mouse cannot say which half it is on, so the
mouse paints both; the keyboard cursor moves one pixel at a time.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.strip import Strip

from tui.panes.lesson_focus import Target, scroll_into_view
from tui.widgets.cell_strips import (
    PLAIN,
    SHADES,
    colours_stripped,
    half_block_strip,
    shade_levels,
    shade_strip,
)
from tui.widgets.colormaps import color_codes
from tui.widgets.grid_cursor import GridCursor
from tui.widgets.widget_message import WidgetMessage
from tui.widgets.widget_options import WidgetOptions

SIDE = 28
CURSOR_CODE = 0xFF8C00  # orange: visible on black paper and on white ink
NEIGHBOUR_INK = 0.5
_BRUSH = [(0, 0, 1.0)] + [(dr, dc, NEIGHBOUR_INK) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))]


def brush(pixels: np.ndarray, points: list[tuple[int, int]]) -> np.ndarray:
    """Pixels with ink added at each (row, col): 1.0 there, at least 0.5 on its 4 neighbours."""
    stamp = np.zeros_like(pixels)
    for row, col in points:
        for dr, dc, ink in _BRUSH:
            r, c = row + dr, col + dc
            if 0 <= r < SIDE and 0 <= c < SIDE:
                stamp[r, c] = max(stamp[r, c], ink)
    return np.maximum(pixels, stamp)


def cells_between(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """Terminal cells on the segment a -> b, so a fast drag leaves no gaps."""
    steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
    if steps == 0:
        return [b]
    t = np.linspace(0.0, 1.0, steps + 1)
    xs = np.rint(a[0] + t * (b[0] - a[0])).astype(int)
    ys = np.rint(a[1] + t * (b[1] - a[1])).astype(int)
    return list(zip(xs.tolist(), ys.tolist()))


class DigitCanvas(GridCursor):
    """Draw with the mouse, or move the cursor with the arrows and paint with space."""

    DEFAULT_CSS = """
    DigitCanvas {
        width: auto;
        height: auto;
        border: round $panel;
    }
    DigitCanvas:focus {
        border: round $accent;
    }
    """

    BINDINGS = [
        Binding("shift+up", "move(-1, 0, True)", "Paint up", show=False),
        Binding("shift+down", "move(1, 0, True)", "Paint down", show=False),
        Binding("shift+left", "move(0, -1, True)", "Paint left", show=False),
        Binding("shift+right", "move(0, 1, True)", "Paint right", show=False),
        Binding("space", "edit_cell", "Paint"),
        Binding("c,backspace", "clear", "Clear"),
    ]

    class Changed(WidgetMessage):
        """The pixels changed; `pixels` is a float32 (28, 28) copy in [0, 1]."""

        def __init__(self, canvas: DigitCanvas, pixels: np.ndarray) -> None:
            super().__init__(canvas)
            self.pixels = pixels

    def __init__(self, pixels: np.ndarray | None = None, **options: Unpack[WidgetOptions]) -> None:
        super().__init__((SIDE, SIDE), (SIDE // 2, SIDE // 2), **options)
        self.pixels = np.zeros((SIDE, SIDE), dtype=np.float32)
        if pixels is not None:
            self.pixels = self._checked(pixels)
        self._last_cell: tuple[int, int] | None = None  # set while the mouse button is down

    # -- state --------------------------------------------------------------------------------

    @staticmethod
    def _checked(array: np.ndarray) -> np.ndarray:
        pixels = np.asarray(array, dtype=np.float32).reshape(SIDE, SIDE)
        return np.clip(pixels, 0.0, 1.0).copy()

    def _commit(self, pixels: np.ndarray) -> None:
        """Keep the new pixels and tell the app, but only if something changed."""
        if np.array_equal(pixels, self.pixels):
            return
        self.pixels = pixels
        self.refresh()
        self.post_message(self.Changed(self, pixels.copy()))

    def clear(self) -> None:
        """Blank paper."""
        self._commit(np.zeros((SIDE, SIDE), dtype=np.float32))

    def set_pixels(self, array: np.ndarray) -> None:
        """Show a given digit (784 or 28x28 values in [0, 1]); posts Changed like drawing does."""
        self._commit(self._checked(array))

    def paint(self, points: list[tuple[int, int]]) -> None:
        """Brush ink onto pixels (row, col)."""
        self._commit(brush(self.pixels, points))

    # -- keyboard -----------------------------------------------------------------------------

    def edit_cell(self, row: int, col: int) -> None:
        self.paint([(row, col)])

    def action_move(self, d_row: int, d_col: int, paint: bool = False) -> None:
        """Shift+arrows paint where the cursor lands, drawing a line pixel by pixel; the pad
        scrolls to keep the cursor in view when the tab is shorter than the pad."""
        super().action_move(d_row, d_col)
        row, col = self.cursor
        scroll_into_view(Target(self, Region(col, row // 2, 1, 1)))
        if paint:
            self.action_edit_cell()

    def action_clear(self) -> None:
        self.clear()

    # -- mouse --------------------------------------------------------------------------------

    def _paint_cells(self, cells: list[tuple[int, int]]) -> None:
        points = []
        for x, y in cells:
            if 0 <= x < SIDE and 0 <= 2 * y < SIDE:
                points += [(2 * y, x), (2 * y + 1, x)]
        if points:
            self.paint(points)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self.capture_mouse()
        self._last_cell = (offset.x, offset.y)
        self._paint_cells([self._last_cell])

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._last_cell is None:
            return
        offset = event.get_content_offset_capture(self)
        cell = (offset.x, offset.y)
        self._paint_cells(cells_between(self._last_cell, cell))
        self._last_cell = cell

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._last_cell = None
        self.release_mouse()

    # -- rendering ----------------------------------------------------------------------------

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return SIDE

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return SIDE // 2

    def render_line(self, y: int) -> Strip:
        if y >= SIDE // 2:
            return Strip.blank(self.size.width, PLAIN)
        pair = self.pixels[2 * y : 2 * y + 2]
        upper, lower = color_codes(pair, "gray").tolist()
        row, col = self.cursor
        show_cursor = self.has_focus and row // 2 == y
        if colours_stripped(self.app):
            glyphs = [SHADES[s] for s in shade_levels(pair.max(0)).tolist()]
            if show_cursor:
                glyphs[col] = "+"
            strip = shade_strip(upper, glyphs)
        else:
            if show_cursor:
                (upper if row % 2 == 0 else lower)[col] = CURSOR_CODE
            strip = half_block_strip(upper, lower)
        return strip.adjust_cell_length(self.size.width, PLAIN)
