"""Screens over a pane (help, a prompt, the command palette) that close only while on top."""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.screen import Screen


async def _nothing() -> None:
    return None


class ClosesOnce:
    """Textual's dismiss pops whatever screen is on top. A second enter, escape or click,
    queued while the first was closing this screen (or a key queued before a pane switch),
    would close the pane under it, and crash when that pane is the last screen of its mode.
    Here dismiss does nothing unless this screen is the one on top. (A mixin, not a Screen
    subclass: Textual collects component classes along a widget class's own line.)"""

    def dismiss(self: Screen, result: object = None) -> AwaitComplete:  # mixed into a Screen
        if not self.is_active:
            return AwaitComplete(_nothing())
        return super().dismiss(result)  # type: ignore[misc]


class Palette(ClosesOnce, CommandPalette):
    """Textual's command palette (ctrl+p), closing once (two clicks on its background)."""

    def _action_command_list(self, action: str) -> None:
        """PageUp/PageDown on a list with nothing in it: Textual 8.2.8 looks up line 0 of an
        empty list and crashes (the monkey found it); with nothing to move through, or no list
        yet (the palette still opening, or already closing), do nothing."""
        lists = self.query(CommandList)
        if not lists or lists.first().option_count == 0:
            return
        super()._action_command_list(action)
