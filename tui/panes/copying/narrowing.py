"""Rows of the Copying pane that rearrange when a lesson beside it leaves them few columns."""

from __future__ import annotations

from textual import events
from textual.containers import Horizontal


class Narrowing(Horizontal):
    """A row that takes the class `narrow` below `below` columns (beside a lesson on a small
    terminal), for copying.tcss to rearrange: the settings row drops its buttons (the
    footer's keys stay), the GPT's table goes above its text instead of beside it."""

    def __init__(self, below: int, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id)
        self.below = below

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.below, "narrow")
