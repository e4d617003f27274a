"""One layer's heads of the induction model, side by side: the attention on the example
sequence, each titled with its scores; the selected head's title lit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.containers import HorizontalScroll, Vertical
from textual.widgets import Label

from tui.widgets.heatmap import Heatmap

if TYPE_CHECKING:
    from engine.events import HeadScores


def future(T: int) -> np.ndarray:
    """The cells a causal head cannot see (j > i): drawn as hidden, not as weight 0."""
    return np.triu(np.ones((T, T), dtype=bool), 1)


class HeadMaps(HorizontalScroll):
    """`show(weights, scores, selected)`: weights (heads, T, T) of one layer. The maps are
    kept here as they are made, so that two shows in one frame update what the first made."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.boxes: list[Vertical] = []
        self.maps: list[Heatmap] = []
        self.titles: list[Label] = []

    def show(self, weights: np.ndarray, scores: list[HeadScores], selected: int) -> None:
        titles = [self._title(s, s.head == selected) for s in scores]
        hidden = future(weights.shape[-1])
        if len(self.maps) != len(weights):
            self.remove_children()
            self.maps = [
                Heatmap(w, legend=False, vmin=0.0, vmax=1.0, masked=hidden) for w in weights
            ]
            self.titles = [Label(title, classes="copy-map-title") for title in titles]
            self.boxes = [
                Vertical(label, heatmap, classes="copy-map")
                for label, heatmap in zip(self.titles, self.maps)
            ]
            self.mount_all(self.boxes)
            return
        for heatmap, label, w, title in zip(self.maps, self.titles, weights, titles):
            heatmap.update_matrix(w, vmin=0.0, vmax=1.0, masked=hidden)
            label.update(title)

    @staticmethod
    def _title(s: HeadScores, selected: bool) -> Text:
        mark = "▶ " if selected else ""
        text = Text(f"{mark}head {s.head + 1}", style="bold" if selected else "")
        text.append(f"  prev {s.previous:.2f} · ind {s.induction:.2f}", style="dim")
        return text

    def bring_into_view(self, head: int) -> None:
        """Scroll so that the selected head's map starts the box, its title showing; where
        the box is shorter than a map, its last rows instead: the copy, after its original."""
        if not 0 <= head < len(self.boxes):
            return

        def scroll() -> None:
            box = self.boxes[head]
            if box.is_mounted:
                fits = box.outer_size.height <= self.scrollable_content_region.height
                y = 0 if fits else self.max_scroll_y
                self.scroll_to(x=box.virtual_region.x, y=y, animate=False)

        self.call_after_refresh(scroll)
