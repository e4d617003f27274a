"""Panes that other work items build: an honest screen saying what will be here, and where to
find the same thing on the command line today."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from tui.panes.base import PaneScreen

NOT_YET = {
    "lessons": (
        "The lessons from the digit network to GPT, each beside the pane it uses.",
        "learn-gpt --help",
    ),
}


class LaterScreen(PaneScreen):
    def __init__(self, pane: str) -> None:
        super().__init__(name=pane)
        self.PANE = pane
        self.HELP = f"# {pane.title()}\n\nThis pane is not built yet."

    def compose_body(self) -> ComposeResult:
        what, command = NOT_YET[self.PANE]
        yield Static(
            f"[b]Not built yet.[/b]\n\n{what}\n\nUntil then, try it from the terminal:\n"
            f"  [b]{command}[/b]\n\nThe Digits, Attention, Lab and Sampling panes (keys 1-4) "
            "work now.",
            classes="later",
        )
