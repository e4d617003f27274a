"""Every head's scores in one narrow table (it sits beside text and a lesson): previous-token
(prev), induction (ind), self, and whether it is
switched off. The cursor picks a head; a score past `strong` (engine.induction's
INDUCTION_HEAD, handed in so that this module needs no torch) is bold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable

if TYPE_CHECKING:
    from engine.events import HeadScores


class ScoreTable(DataTable):
    """Rows keyed "layer.head" (from 0); the cursor stays on its head as scores come in."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.pairs: list[tuple[int, int]] = []
        self.induction: list[float] = []  # each row's induction score

    def on_mount(self) -> None:
        for key, heading, width in (
            ("head", "head", 4),
            ("previous", "prev", 4),
            ("induction", "ind", 4),
            ("self", "self", 4),
            ("off", "", 3),
        ):
            self.add_column(heading, key=key, width=width)

    def show(
        self, scores: list[HeadScores], off: frozenset[tuple[int, int]], strong: float
    ) -> None:
        """The scores (a new set of heads clears the table; the same set updates in place)."""
        pairs = [(s.layer, s.head) for s in scores]
        self.induction = [s.induction for s in scores]
        if pairs != self.pairs:
            self.clear()
            self.pairs = pairs
            for s in scores:
                self.add_row(*self._cells(s, off, strong), key=f"{s.layer}.{s.head}")
            return
        for s in scores:
            row = f"{s.layer}.{s.head}"
            for column, cell in zip(("head", "previous", "induction", "self", "off"),
                                    self._cells(s, off, strong)):  # fmt: skip
                self.update_cell(row, column, cell)

    @staticmethod
    def _cells(
        s: HeadScores, off: frozenset[tuple[int, int]], strong: float
    ) -> tuple[Text | str, ...]:
        def score(value: float) -> Text:
            return Text(f"{value:.2f}", style="bold" if value > strong else "", justify="right")

        return (
            f"L{s.layer + 1}H{s.head + 1}",
            score(s.previous),
            score(s.induction),
            score(s.self_),
            Text("off", style="bold red") if (s.layer, s.head) in off else "",
        )

    def best_region(self) -> Region | None:
        """Where the row of the strongest induction head is in the content (None: no rows)."""
        if not self.induction:
            return None
        row = max(range(len(self.induction)), key=self.induction.__getitem__)
        return Region(0, self.header_height + row, self.virtual_size.width, 1)

    def show_best(self) -> None:
        """Scroll the strongest induction head's row into view, the cursor left where it is."""
        region = self.best_region()
        if region is not None:
            top = region.y - self.header_height
            rows = self.scrollable_content_region.height - self.header_height
            if not self.scroll_y <= top < self.scroll_y + rows:
                self.scroll_to(y=max(0, top - rows + 1), animate=False, immediate=True)

    def selected(self) -> tuple[int, int] | None:
        if not self.pairs or self.cursor_row < 0:
            return None
        return self.pairs[min(self.cursor_row, len(self.pairs) - 1)]

    def select(self, pair: tuple[int, int]) -> None:
        if pair in self.pairs:
            self.move_cursor(row=self.pairs.index(pair))
