"""A custom attention mask, drawn one terminal cell per entry and edited by clicking.

Row i is query position i, column j is key position j: a filled cell means i may look at j, a
dot means it may not. A row that hides every key is drawn in red: that position has nothing to
average, so the engine gives it zero attention weights (and a zero attention output) rather than
NaN. Keys: arrows move the cursor, space toggles, `c` resets to causal, `u` makes every cell
visible.
"""

from __future__ import annotations

from typing import Unpack

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.strip import Strip

from tui.widgets.grid_cursor import GridCursor
from tui.widgets.widget_message import WidgetMessage
from tui.widgets.widget_options import WidgetOptions

VISIBLE_GLYPH = "█"
HIDDEN_GLYPH = "·"


def causal(size: int) -> np.ndarray:
    """Bool (size, size): each position sees itself and the past."""
    return np.tril(np.ones((size, size), dtype=bool))


def as_rows(matrix: np.ndarray) -> tuple[tuple[bool, ...], ...]:
    """The matrix as GPTConfig takes a custom mask: a tuple of tuples of bools."""
    return tuple(tuple(bool(v) for v in row) for row in np.asarray(matrix, dtype=bool))


class MaskEditor(GridCursor):
    """A size x size grid of booleans (True = visible) plus one status line."""

    DEFAULT_CSS = """
    MaskEditor {
        width: auto;
        height: auto;
    }
    MaskEditor > .mask-editor--visible { color: $accent; }
    MaskEditor > .mask-editor--hidden { color: $text-muted; }
    MaskEditor > .mask-editor--empty { color: $error; text-style: bold; }
    MaskEditor > .mask-editor--cursor { background: $foreground 40%; }
    MaskEditor > .mask-editor--status { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "mask-editor--visible",
        "mask-editor--hidden",
        "mask-editor--empty",
        "mask-editor--cursor",
        "mask-editor--status",
    }
    BINDINGS = [
        Binding("space", "edit_cell", "Toggle cell"),
        Binding("c", "reset_causal", "Causal"),
        Binding("u", "all_visible", "All visible"),
    ]

    class Changed(WidgetMessage):
        """The mask was edited; `mask` is a tuple of tuples of bools, `empty_rows` the rows
        that hide every key."""

        def __init__(self, editor: MaskEditor, mask: tuple[tuple[bool, ...], ...]) -> None:
            super().__init__(editor)
            self.mask = mask
            self.empty_rows = [i for i, row in enumerate(mask) if not any(row)]

    def __init__(
        self,
        size: int = 32,
        matrix: np.ndarray | None = None,
        **options: Unpack[WidgetOptions],
    ) -> None:
        if size < 1:
            raise ValueError("a mask needs at least one position")
        super().__init__((size, size), (0, 0), **options)
        self.size_n = size
        self._matrix = causal(size) if matrix is None else np.array(matrix, dtype=bool)
        if self._matrix.shape != (size, size):
            raise ValueError(f"the matrix must be {size}x{size}, got {self._matrix.shape}")

    # -- data ---------------------------------------------------------------------------------
    @property
    def matrix(self) -> np.ndarray:
        """Bool (size, size), a copy."""
        return self._matrix.copy()

    @property
    def mask(self) -> tuple[tuple[bool, ...], ...]:
        return as_rows(self._matrix)

    @property
    def empty_rows(self) -> list[int]:
        """Query rows that may look at no key at all."""
        return np.flatnonzero(~self._matrix.any(axis=1)).tolist()

    def set_matrix(self, matrix: np.ndarray) -> None:
        matrix = np.array(matrix, dtype=bool)
        if matrix.shape != (self.size_n, self.size_n):
            raise ValueError(f"the matrix must be {self.size_n}x{self.size_n}")
        self._matrix = matrix
        self._changed()

    def toggle(self, row: int, col: int) -> None:
        self._matrix[row, col] = not self._matrix[row, col]
        self._changed()

    def edit_cell(self, row: int, col: int) -> None:
        self.toggle(row, col)

    def _changed(self) -> None:
        self.refresh()
        self.post_message(self.Changed(self, self.mask))

    # -- actions ------------------------------------------------------------------------------
    def action_reset_causal(self) -> None:
        self.set_matrix(causal(self.size_n))

    def action_all_visible(self) -> None:
        self.set_matrix(np.ones((self.size_n, self.size_n), dtype=bool))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not (0 <= offset.y < self.size_n and 0 <= offset.x < self.size_n):
            return
        self.cursor = (offset.y, offset.x)
        self.toggle(offset.y, offset.x)

    # -- drawing ------------------------------------------------------------------------------
    def status_text(self) -> str:
        empty = self.empty_rows
        if not empty:
            return "click/space toggles, c causal"
        shown = ",".join(str(r) for r in empty[:4]) + ("…" if len(empty) > 4 else "")
        return f"! row {shown} sees nothing"

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(self.size_n, 20)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.size_n + 1

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == self.size_n:
            style_name = "mask-editor--empty" if self.empty_rows else "mask-editor--status"
            text = self.status_text()[:width]
            style = self.get_component_rich_style(style_name)
            return Strip([Segment(text, style)]).adjust_cell_length(width, self.rich_style)
        if y > self.size_n:
            return Strip.blank(width, self.rich_style)
        row = self._matrix[y]
        empty = not row.any()
        visible = self.get_component_rich_style("mask-editor--visible")
        hidden = self.get_component_rich_style(
            "mask-editor--empty" if empty else "mask-editor--hidden"
        )
        cursor = Style(bgcolor=self.get_component_rich_style("mask-editor--cursor").bgcolor)
        segments: list[Segment] = []
        for x, seen in enumerate(row.tolist()):
            style: Style = visible if seen else hidden
            if self.has_focus and (y, x) == self.cursor:
                style = style + cursor
            segments.append(Segment(VISIBLE_GLYPH if seen else HIDDEN_GLYPH, style))
        return Strip(segments, self.size_n).simplify().adjust_cell_length(width, self.rich_style)
