"""The Sampling pane's "generate now" text: the prompt in bold, then the characters chosen,
shown GEN_RATE a second (all of them were chosen at once, from the weights of one moment), with
a cursor while more are coming."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

if TYPE_CHECKING:
    from engine.events import NextToken

GEN_RATE = 60.0  # characters a second they are shown at
GEN_HZ = 60  # redraws a second, at most: faster characters are shown in batches


class GeneratedText(VerticalScroll):
    class Shown(Message):
        """Characters just shown; the last of them was chosen from `pieces[-1].top`."""

        def __init__(self, pieces: list[NextToken]) -> None:
            super().__init__()
            self.pieces = pieces

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.prompt = ""
        self.text = ""  # the characters shown so far
        self.writing = False  # more are coming (or being chosen)
        self._pieces: list[NextToken] = []
        self._began = 0.0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="samp-gen-text")

    def begin(self, prompt: str) -> None:
        """The characters are being chosen: a generation still being shown ends now."""
        self.finish()
        self.prompt, self.text, self.writing = prompt, "", True
        self._draw()

    def play(self, prompt: str, pieces: list[NextToken]) -> None:
        """Show `pieces` at GEN_RATE, saying `Shown` for every batch."""
        self.prompt, self.text, self.writing = prompt, "", True
        self._pieces, self._began = pieces, time.monotonic()
        self._timer = self.set_interval(1 / GEN_HZ, self._tick)
        self._draw()

    def finish(self) -> None:
        """Show what is left of a generation at once."""
        if self._timer is not None:
            self._tick(done=True)

    def clear(self) -> None:
        """Nothing shown: a generation still being shown stops where it is."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.prompt, self.text, self.writing, self._pieces = "", "", False, []
        self._draw()

    def stopped(self) -> None:
        """No characters are coming (the generation failed)."""
        self.writing = False
        self._draw()

    def _tick(self, done: bool = False) -> None:
        count = len(self._pieces)
        due = count if done else min(count, int((time.monotonic() - self._began) * GEN_RATE))
        shown = len(self.text)
        if due > shown:
            batch = self._pieces[shown:due]
            self.text += "".join(p.text for p in batch)
            self.post_message(self.Shown(batch))
        if due == count:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.writing = False
        self._draw()

    def _draw(self) -> None:
        text = Text()
        text.append(self.prompt, style="bold")
        text.append(self.text)
        if self.writing:
            text.append("▌", style="dim")
        self.query_one("#samp-gen-text", Static).update(text)
        self.scroll_end(animate=False)
