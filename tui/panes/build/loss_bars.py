"""The validation loss of each rung as a bar, the lecture's figure marked on it (┃).

Every bar starts at one floor a little below the lowest figure, so the differences between
rungs (tenths of a nat) show; the title says where the floor is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class Bar:
    rung: int
    val_loss: float | None  # None: not trained yet
    lecture: float
    live: bool = False  # the rung is still training: its latest estimate


class LossBars(Widget):
    DEFAULT_CSS = """
    LossBars {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.bars: list[Bar] = []

    def show(self, bars: list[Bar]) -> None:
        self.bars = list(bars)
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return 1 + max(len(self.bars), 1)

    def render(self) -> Text:
        figures = [b.val_loss for b in self.bars if b.val_loss is not None]
        figures += [b.lecture for b in self.bars]
        if not figures:
            return Text("val loss per rung", style="dim")
        floor = math.floor(min(figures) * 10 - 1) / 10
        top = max(figures)
        width = max(self.size.width - 9, 4)  # "6 " + bar + " 2.540"

        def cells(value: float) -> float:
            return (value - floor) / (top - floor) * width if top > floor else width

        text = Text(f"val loss from {floor:.1f}  ┃ lecture", style="dim", no_wrap=True)
        for bar in self.bars:
            text.append(f"\n{bar.rung} ")
            line = [" "] * width
            if bar.val_loss is not None and math.isfinite(bar.val_loss):
                whole, part = divmod(round(min(cells(bar.val_loss), width) * 8), 8)
                line[:whole] = "█" * whole
                if part and whole < width:
                    line[whole] = EIGHTHS[part]
            mark = min(int(cells(bar.lecture)), width - 1)
            style = "yellow" if bar.live else "bold"
            text.append("".join(line[:mark]), style=style)
            text.append("┃", style="magenta")
            text.append("".join(line[mark + 1 :]), style=style)
            shown = "" if bar.val_loss is None else f"{bar.val_loss:.3f}"
            text.append(f" {shown:>5}", style="yellow" if bar.live else "")
        return text
