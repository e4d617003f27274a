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
    """`show(weights, scores, selected)`: weights (heads, T, T) of one layer."""

    def show(self, weights: np.ndarray, scores: list[HeadScores], selected: int) -> None:
        titles = [self._title(s, s.head == selected) for s in scores]
        maps = list(self.query(Heatmap))
        hidden = future(weights.shape[-1])
        if len(maps) != len(weights):
            self.remove_children()
            self.mount_all(
                Vertical(
                    Label(title, classes="copy-map-title"),
                    Heatmap(w, legend=False, vmin=0.0, vmax=1.0, masked=hidden),
                    classes="copy-map",
                    id=f"copy-map-{h}",
                )
                for h, (w, title) in enumerate(zip(weights, titles))
            )
            return
        for heatmap, label, w, title in zip(maps, self.query(".copy-map-title"), weights, titles):
            heatmap.update_matrix(w, vmin=0.0, vmax=1.0, masked=hidden)
            label.update(title)

    @staticmethod
    def _title(s: HeadScores, selected: bool) -> Text:
        mark = "▶ " if selected else ""
        text = Text(f"{mark}head {s.head + 1}", style="bold" if selected else "")
        text.append(f"  prev {s.previous:.2f} · ind {s.induction:.2f}", style="dim")
        return text

    def bring_into_view(self, head: int) -> None:
        """Scroll so the selected head's map is in the box."""
        found = list(self.query(f"#copy-map-{head}"))
        if found:
            self.scroll_to_widget(found[0], animate=False)
