"""Test digits drawn in the terminal with the network's answer; `m` shows only its mistakes."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Label

from tui.widgets.heatmap import Heatmap

CELL_WIDTH = 30  # 28 columns of digit and a gap


class DigitCard(Vertical):
    """One test digit and the network's answer. Its parts exist from the start, so a card
    can be shown before it has finished mounting."""

    def __init__(self) -> None:
        super().__init__()
        self.image = Heatmap(np.zeros((28, 28)), colormap="gray", vmin=0.0, vmax=1.0, legend=False)
        self.verdict = Label("", classes="verdict")

    def compose(self) -> ComposeResult:
        yield self.image
        yield self.verdict

    def show(
        self, image: np.ndarray, index: int, label: int, guess: int, confidence: float
    ) -> None:
        self.image.update_matrix(image.reshape(28, 28), vmin=0.0, vmax=1.0)
        mark = "[green]✓[/green]" if guess == label else "[red]✗[/red]"
        self.verdict.update(f"#{index} is {label}: says {guess} {confidence:4.0%} {mark}")


class DigitGallery(Vertical, can_focus=True):
    BINDINGS = [
        Binding("right,right_square_bracket", "page(1)", "Next"),
        Binding("left,left_square_bracket", "page(-1)", "Previous"),
        Binding("m", "toggle_mistakes", "Mistakes only"),
    ]
    page: reactive[int] = reactive(0)
    mistakes_only: reactive[bool] = reactive(False)

    def __init__(self, **kwargs) -> None:  # noqa: ANN003 - Widget's
        super().__init__(**kwargs)
        self.images = np.zeros((0, 784), dtype=np.float32)
        self.labels = np.zeros(0, dtype=np.int64)
        self.outputs = np.zeros((0, 10), dtype=np.float32)

    def compose(self) -> ComposeResult:
        yield Label("Train or load a network to see its answers.", id="gallery-status")
        yield Horizontal(id="gallery-row")

    def show(self, images: np.ndarray, labels: np.ndarray, outputs: np.ndarray) -> None:
        """Test images (n, 784), their labels, and the network's 10 outputs for each."""
        self.images, self.labels, self.outputs = images, labels, outputs
        self.refresh_cards()

    def _chosen(self) -> np.ndarray:
        if not len(self.outputs):
            return np.zeros(0, dtype=np.int64)
        wrong = self.outputs.argmax(1) != self.labels
        return np.flatnonzero(wrong) if self.mistakes_only else np.arange(len(self.labels))

    def _per_page(self) -> int:
        return max(1, (self.size.width or 80) // CELL_WIDTH)

    def refresh_cards(self) -> None:
        chosen = self._chosen()
        per_page = self._per_page()
        pages = max(1, -(-len(chosen) // per_page))
        self.page = min(self.page, pages - 1)
        shown = chosen[self.page * per_page : (self.page + 1) * per_page]
        row = self.query_one("#gallery-row", Horizontal)
        cards = list(row.query(DigitCard))
        if len(cards) != len(shown):
            row.remove_children()
            cards = [DigitCard() for _ in shown]
            row.mount_all(cards)
            self.call_after_refresh(self.refresh_cards)
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

    def on_resize(self) -> None:
        self.refresh_cards()

    def action_page(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.refresh_cards()

    def action_toggle_mistakes(self) -> None:
        self.mistakes_only = not self.mistakes_only
        self.page = 0
        self.refresh_cards()
