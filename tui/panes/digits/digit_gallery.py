"""Test digits drawn in the terminal with the network's answer; `m` shows only its mistakes.

Each digit is drawn at 14x14 (2x2 pixels averaged), seven lines high, so that a page holds a
row of them even below a lesson on a 24-line terminal, and as many rows as the tab has room for.
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.reactive import reactive
from textual.widgets import Label

from tui.panes.digits.neuron_grid import shrink
from tui.widgets.heatmap import Heatmap

CARD_WIDTH = 16  # 14 columns of digit and a gap
CARD_HEIGHT = 10  # 7 lines of digit, 2 of verdict and a gap
STATUS_LINES = 2  # the line above the cards, wrapped on a narrow pane
EMPTY = "Train or load a network to see its answers."


class DigitCard(Vertical):
    """One test digit and the network's answer. Its parts exist from the start, so a card
    can be shown before it has finished mounting."""

    def __init__(self) -> None:
        super().__init__()
        self.image = Heatmap(np.zeros((14, 14)), colormap="gray", vmin=0.0, vmax=1.0, legend=False)
        self.verdict = Label("", classes="verdict")

    def compose(self) -> ComposeResult:
        yield self.image
        yield self.verdict

    def show(
        self, image: np.ndarray, index: int, label: int, guess: int, confidence: float
    ) -> None:
        self.image.update_matrix(shrink(image), vmin=0.0, vmax=1.0)
        mark = "[green]✓[/green]" if guess == label else "[red]✗[/red]"
        self.verdict.update(f"#{index} is {label}\nsays {guess} {confidence:.0%} {mark}")


class DigitGallery(Vertical, can_focus=True):
    BINDINGS = [
        Binding("right,right_square_bracket,pagedown", "page(1)", "Next"),
        Binding("left,left_square_bracket,pageup", "page(-1)", "Previous"),
        Binding("m", "toggle_mistakes", "Mistakes only"),
    ]
    page: reactive[int] = reactive(0)
    mistakes_only: reactive[bool] = reactive(False)

    def __init__(self, **kwargs) -> None:  # noqa: ANN003 - Widget's
        super().__init__(**kwargs)
        self.images = np.zeros((0, 784), dtype=np.float32)
        self.labels = np.zeros(0, dtype=np.int64)
        self.outputs = np.zeros((0, 10), dtype=np.float32)
        self._remounting = False  # cards are being replaced (resizes and pages come fast)

    def compose(self) -> ComposeResult:
        yield Label(EMPTY, id="gallery-status")
        yield Grid(id="gallery-cards")

    def show(self, images: np.ndarray, labels: np.ndarray, outputs: np.ndarray) -> None:
        """Test images (n, 784), their labels, and the network's 10 outputs for each."""
        self.images, self.labels, self.outputs = images, labels, outputs
        self.refresh_cards()

    def clear(self, why: str) -> None:
        """No answers, and `why`: the network they came from is gone."""
        self.show(self.images[:0], self.labels[:0], self.outputs[:0])
        self.query_one("#gallery-status", Label).update(why)

    def _chosen(self) -> np.ndarray:
        if not len(self.outputs):
            return np.zeros(0, dtype=np.int64)
        wrong = self.outputs.argmax(1) != self.labels
        return np.flatnonzero(wrong) if self.mistakes_only else np.arange(len(self.labels))

    def _fit(self) -> tuple[int, int]:
        """(columns, rows) of cards the gallery's box holds, at least one of each."""
        width, height = self.size.width or 80, self.size.height or 24
        return max(1, width // CARD_WIDTH), max(1, (height - STATUS_LINES) // CARD_HEIGHT)

    def refresh_cards(self) -> None:
        chosen = self._chosen()
        columns, rows = self._fit()
        per_page = columns * rows
        pages = max(1, -(-len(chosen) // per_page))
        self.page = min(self.page, pages - 1)
        shown = chosen[self.page * per_page : (self.page + 1) * per_page]
        grid = self.query_one("#gallery-cards", Grid)
        grid.styles.grid_size_columns = columns
        cards = list(grid.query(DigitCard))
        if len(cards) != len(shown):
            if self._remounting:
                return  # one remount at a time: the one under way refreshes the cards after
            self._remounting = True
            grid.remove_children()
            grid.mount_all([DigitCard() for _ in shown])
            self.call_after_refresh(self._remounted)
            return
        for card, i in zip(cards, shown):
            out = self.outputs[i]
            card.show(
                self.images[i],
                int(i),
                int(self.labels[i]),
                int(out.argmax()),
                float(out.max() / max(out.sum(), 1e-9)),
            )
        if len(self.outputs):
            wrong = int((self.outputs.argmax(1) != self.labels).sum())
            what = "mistakes" if self.mistakes_only else "test digits"
            self.query_one("#gallery-status", Label).update(
                f"{what}: page {self.page + 1} of {pages}  ({wrong} of {len(self.labels)} wrong)"
                "   ←/→ page, m mistakes only"
            )

    def _remounted(self) -> None:
        self._remounting = False
        self.refresh_cards()

    def on_resize(self) -> None:
        self.refresh_cards()

    def action_page(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.refresh_cards()

    def action_toggle_mistakes(self) -> None:
        self.mistakes_only = not self.mistakes_only
        self.page = 0
        self.refresh_cards()
