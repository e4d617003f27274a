"""Draw a digit and watch the network read it: the canvas, its answer, and all 10 outputs."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Static

from tui.panes.digits.digit_canvas import DigitCanvas

BAR = 20


def output_bars(outputs: np.ndarray) -> str:
    best = int(outputs.argmax())
    lines = []
    for digit, value in enumerate(outputs):
        filled = int(round(float(value) * BAR))
        bar = "█" * filled + "░" * (BAR - filled)
        line = f"{digit} {bar} {value:.3f}"
        lines.append(f"[b]{line}[/b]" if digit == best else line)
    return "\n".join(lines)


class DrawPad(Horizontal):
    """The canvas scrolls in its own box on a short pane, and the answer stays put beside
    it: drawing near the canvas's bottom never scrolls the bars away."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="draw-scroll"):
            yield DigitCanvas(id="canvas")
        with VerticalScroll(id="draw-answer"):  # the bars first: on a short pane they show
            yield Static(output_bars(np.zeros(10)), id="draw-bars")
            yield Label(
                "Draw a digit with the mouse (or arrows + space); c clears.", id="draw-verdict"
            )

    def show(self, outputs: np.ndarray | None, note: str = "") -> None:
        """The network's 10 outputs for the drawing, or a note saying why there are none."""
        verdict = self.query_one("#draw-verdict", Label)
        bars = self.query_one("#draw-bars", Static)
        if outputs is None:
            verdict.update(note)
            bars.update(output_bars(np.zeros(10)))
            return
        best = int(outputs.argmax())
        verdict.update(f"It reads: [b]{best}[/b]   (output {outputs[best]:.3f})")
        bars.update(output_bars(outputs))
