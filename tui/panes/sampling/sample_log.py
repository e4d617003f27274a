"""The samples a GPT writes as it trains, each under a heading with its step and loss.

A RichLog renders text at the width it has when written; this one keeps its entries and
wraps them again when its width changes, so a resize never leaves samples cut off.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.widgets import RichLog

MAX_ENTRIES = 100


class SampleLog(RichLog):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, wrap=True, min_width=1, max_lines=2000)
        self.entries: list[tuple[str, str]] = []  # (heading, text)
        self._width = 0

    def add(self, heading: str, text: str) -> None:
        self.entries = [*self.entries[-(MAX_ENTRIES - 1) :], (heading, text)]
        self._write(heading, text)

    def note(self, text: str) -> None:
        """A line that is not a sample (started, saved, loaded, ...)."""
        self.add("", text)

    def reset(self) -> None:
        self.entries = []
        self.clear()

    def _write(self, heading: str, text: str) -> None:
        if heading:
            self.write(Text(heading, style="bold reverse"))
            self.write(Text(text))
        else:
            self.write(Text(text, style="italic dim"))

    def on_resize(self, event: Resize) -> None:  # RichLog's own handler runs after this one
        width = self.scrollable_content_region.width
        if width and width != self._width:
            rewrap = bool(self._width)
            self._width = width
            if rewrap and self.entries:
                self.clear()
                for heading, text in self.entries:
                    self._write(heading, text)
