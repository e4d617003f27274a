"""The keyboard half of the widgets that edit a grid cell by cell (the digit pad, the Lab's mask).

Arrows move a cursor that stays on the grid, space edits the cell under it, and the cursor is
drawn only while the widget has focus, so focus changes redraw it.
"""

from __future__ import annotations

from typing import Unpack

from textual.binding import Binding
from textual.widget import Widget

from tui.widgets.widget_options import WidgetOptions


class GridCursor(Widget, can_focus=True):
    """A cursor on a rows x cols grid. A subclass defines `edit_cell(row, col)`, what space does
    to the cell under the cursor, and binds space to `edit_cell` under its own description
    (Paint, Toggle cell) for the footer."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
    ]

    def __init__(
        self,
        grid_shape: tuple[int, int],
        cursor: tuple[int, int],
        **options: Unpack[WidgetOptions],
    ) -> None:
        super().__init__(**options)
        self.grid_shape = grid_shape
        self.cursor = cursor

    def action_move(self, d_row: int, d_col: int) -> None:
        rows, cols = self.grid_shape
        row = min(max(self.cursor[0] + d_row, 0), rows - 1)
        col = min(max(self.cursor[1] + d_col, 0), cols - 1)
        self.cursor = (row, col)
        self.refresh()

    def action_edit_cell(self) -> None:
        self.edit_cell(*self.cursor)  # type: ignore[attr-defined] - the subclass's

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
