"""The key bar at the bottom of every pane, redrawn at most once per refresh."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class PaneFooter(Footer):
    """Textual's footer rebuilds all its keys for every change of bindings. Changes made
    while a pane is hidden (under a help screen or a prompt, or behind another pane, with a
    model training) queued one full rebuild each, about 15 ms apiece: 400 of them froze the
    pane for 6 s when it came back. One queued rebuild reads the latest bindings anyway."""

    _rebuild_queued = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True  # as Footer does: its keys may be shown from now on
        if self._rebuild_queued or not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        await self.recompose()
