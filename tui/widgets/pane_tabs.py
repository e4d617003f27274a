"""The row of pane tabs at the top of every screen; choosing one switches the app's mode."""

from __future__ import annotations

from textual.widgets import Tab, Tabs

from tui.panes.catalog import PANES


class PaneTabs(Tabs):
    def __init__(self, active: str) -> None:
        tabs = [
            Tab(f"{i} {pane.title}", id=name)
            for i, (name, pane) in enumerate(PANES.items(), start=1)
        ]
        super().__init__(*tabs, active=active)
        self.can_focus = False
        self.home = active

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id and event.tab.id != self.home:
            self.active = self.home  # this screen's tab stays lit; the app changes screen
            self.app.switch_mode(event.tab.id)
