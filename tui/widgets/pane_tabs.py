"""The row of pane names at the top of every screen: the current pane lit, a click on another
switches the app to it (as do the number keys)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget

from tui.panes.catalog import PANES


class PaneTabs(Widget):
    DEFAULT_CSS = """
    PaneTabs {
        height: 1;
        width: 100%;
        background: $panel;
    }
    """

    def __init__(self, active: str) -> None:
        super().__init__()
        self.home = active
        self.spans: list[tuple[int, int, str]] = []  # (start, end, pane) on the line
        x = 0
        for i, (name, pane) in enumerate(PANES.items(), start=1):
            label = f" {i} {pane.title} "
            self.spans.append((x, x + len(label), name))
            x += len(label) + 1

    def render(self) -> Text:
        line = Text()
        for i, (_, _, name) in enumerate(self.spans, start=1):
            label = f" {i} {PANES[name].title} "
            line.append(label, style="reverse bold" if name == self.home else "dim")
            line.append(" ")
        return line

    def pane_at(self, x: int) -> str | None:
        return next((name for start, end, name in self.spans if start <= x < end), None)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        pane = self.pane_at(event.x)
        if pane and pane != self.home:
            self.app.switch_mode(pane)
