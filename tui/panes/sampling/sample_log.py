"""The samples a GPT writes as it trains, each under a heading with its step and loss.

A RichLog renders text at the width it has when written; this one keeps its entries and
wraps them again when its width changes, so a resize never leaves samples cut off.
"""

from __future__ import annotations

from rich.text import Text
from textual.events import Resize
from textual.geometry import Region
from textual.widgets import RichLog

MAX_ENTRIES = 100


class SampleLog(RichLog):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, wrap=True, min_width=1)
        self.entries: list[tuple[str, str]] = []  # (heading, text)
        self._width = 0
        self._latest_lines = 0  # the lines the latest entry took, once its width was known

    def add(self, heading: str, text: str) -> None:
        """One more entry; past MAX_ENTRIES the older half goes (written again without it, so
        that the latest entry's lines are counted right)."""
        self.entries.append((heading, text))
        if len(self.entries) > MAX_ENTRIES:
            self.entries = self.entries[-(MAX_ENTRIES // 2) :]
            self._rewrite()
        else:
            self._write(heading, text)

    def note(self, text: str) -> None:
        """A line that is not a sample (started, saved, loaded, ...)."""
        self.add("", text)

    def reset(self) -> None:
        self.entries = []
        self._latest_lines = 0
        self.clear()

    def latest(self) -> Region:
        """Where the latest entry is in the log's content (a lesson points at it): its last
        lines (all of them before the log knew its width)."""
        height = self._latest_lines or len(self.lines)
        return Region(0, len(self.lines) - height, self.scrollable_content_region.width, height)

    def _write(self, heading: str, text: str) -> None:
        before = len(self.lines)
        if heading:
            self.write(Text(heading, style="bold reverse"))
            self.write(Text(text))
        else:
            self.write(Text(text, style="italic dim"))
        self._latest_lines = len(self.lines) - before

    def on_resize(self, event: Resize) -> None:  # RichLog's own handler runs after this one
        width = self.scrollable_content_region.width
        if width and width != self._width:
            rewrap = bool(self._width)
            self._width = width
            if rewrap and self.entries:
                self._rewrite()

    def _rewrite(self) -> None:
        self.clear()
        for heading, text in self.entries:
            self._write(heading, text)
