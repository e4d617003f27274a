"""The most likely next pieces and their probabilities, as bars: the choice a GPT is making."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉"
LABEL_WIDTH = 6  # repr of one character: 'a' or '\n'
PROB_WIDTH = 5  # 0.734


def bar(fraction: float, width: int) -> str:
    """A horizontal bar `fraction` (0..1) of `width` cells long, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def label(piece: str) -> str:
    """How a piece shows in a row: its repr, so a newline or a space can be seen."""
    shown = repr(piece)
    return shown if len(shown) <= LABEL_WIDTH else shown[: LABEL_WIDTH - 1] + "…"


class TokenBars(Widget):
    """Rows of `'piece' ████▍  0.734`, most likely first; the chosen piece is marked."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"token-bars--bar", "token-bars--chosen"}
    DEFAULT_CSS = """
    TokenBars {
        height: 5;
    }
    TokenBars > .token-bars--bar {
        color: $accent;
    }
    TokenBars > .token-bars--chosen {
        color: $text-accent;
        text-style: bold;
    }
    """

    def __init__(self, hint: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.hint = hint
        self.top: list[tuple[str, float]] = []
        self.chosen: str | None = None

    def show(self, top: Sequence[tuple[str, float]], chosen: str | None = None) -> None:
        self.top, self.chosen = list(top), chosen
        self.refresh()

    def clear(self) -> None:
        self.show([], None)

    def render(self) -> Text:
        if not self.top:
            return Text(self.hint, style="dim")
        width = max(1, self.size.width - 2 - LABEL_WIDTH - 1 - 1 - PROB_WIDTH)
        bar_style = self.get_component_rich_style("token-bars--bar", partial=True)
        chosen_style = self.get_component_rich_style("token-bars--chosen", partial=True)
        out = Text(no_wrap=True, overflow="crop")
        marked = False
        for row, (piece, probability) in enumerate(self.top):
            is_chosen = piece == self.chosen and not marked
            marked = marked or is_chosen
            if row:
                out.append("\n")
            out.append("▸ " if is_chosen else "  ", chosen_style)
            out.append(label(piece).ljust(LABEL_WIDTH), chosen_style if is_chosen else "")
            out.append(" ")
            out.append(bar(probability, width), bar_style)
            out.append(f" {probability:.3f}"[: PROB_WIDTH + 1])
        return out
