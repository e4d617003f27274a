"""`q` while a run is in progress: say what would be lost and ask, instead of quitting at once."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.widgets.modal import ClosesOnce


class QuitConfirm(ClosesOnce, ModalScreen[bool]):
    """Quit (y, enter, q again) or stay (n, escape); dismissed with True to quit."""

    BINDINGS = [
        Binding("y,enter,q", "dismiss(True)", "Quit"),
        Binding("n,escape", "dismiss(False)", "Stay"),
    ]

    def __init__(self, runs: list[str]) -> None:
        super().__init__()
        self.runs = runs

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-confirm"):
            yield Label("[b]Quit while work is running?[/b]")
            for run in self.runs:
                yield Label(f"• {run}")
            yield Label(
                "What it has not saved is lost (s or ctrl+s in its pane saves).", classes="hint"
            )
            yield Label("[b]y[/b] quit   [b]n[/b] stay", classes="hint")
