"""The command palette (ctrl+p), closed only while it is the screen on top."""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.command import CommandPalette


async def _nothing() -> None:
    return None


class Palette(CommandPalette):
    """Textual's palette, except that a second click on its background, queued while the
    first was closing it, does nothing: Textual's would close the pane under it instead (and
    crash when that pane is the last screen)."""

    def dismiss(self, result: object = None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete(_nothing())
        return super().dismiss(result)
