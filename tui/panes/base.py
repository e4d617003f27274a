"""What every pane's screen shares: the header, the pane tabs, the footer, and `?` help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from tui.widgets.pane_tabs import PaneTabs


class PaneScreen(Screen):
    PANE = ""
    HELP = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield PaneTabs(self.PANE)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def pane_commands(self) -> list:
        """Extra command-palette entries while this pane is showing."""
        return []
