"""A one-line prompt for a file path, over the current pane."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from tui.widgets.modal import OnceModal


class PathPrompt(OnceModal[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, default: str) -> None:
        super().__init__()
        self.question, self.default = question, default

    def compose(self) -> ComposeResult:
        with Vertical(id="path-prompt"):
            yield Label(self.question)
            yield Input(self.default, id="path-input")
            yield Label("enter to confirm, escape to cancel", classes="hint")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self.action_dismiss(event.value.strip() or None)

    async def action_cancel(self) -> None:
        await self.action_dismiss(None)
