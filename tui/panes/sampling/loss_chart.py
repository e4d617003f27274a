"""The GPT's loss as it trains: a sparkline of the training loss, and the latest evaluation."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline

POINTS = 120  # the whole run in at most this many points: neighbours merge as it grows


class LossChart(Vertical):
    DEFAULT_CSS = """
    LossChart {
        height: auto;
    }
    LossChart Sparkline {
        height: 2;
    }
    LossChart Label {
        width: 100%;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._buckets: list[list[float]] = []  # [sum, count] of the losses in each point
        self._per_bucket = 1

    def compose(self) -> ComposeResult:
        yield Label("training loss", id="samp-loss-label")
        yield Sparkline([], id="samp-loss-chart")
        yield Label("", id="samp-eval-label", classes="hint")

    def reset(self) -> None:
        self._buckets, self._per_bucket = [], 1
        self.query_one("#samp-loss-chart", Sparkline).data = []
        self.query_one("#samp-loss-label", Label).update("training loss")
        self.query_one("#samp-eval-label", Label).update("")

    def add_loss(self, step: int, steps: int, loss: float, tokens_per_s: float) -> None:
        """One more loss; the chart shows the whole run, so the first fall stays in view."""
        if not self._buckets or self._buckets[-1][1] >= self._per_bucket:
            self._buckets.append([0.0, 0])
        self._buckets[-1][0] += loss
        self._buckets[-1][1] += 1
        if len(self._buckets) > POINTS:
            pairs = zip(self._buckets[0::2], self._buckets[1::2])
            merged = [[a[0] + b[0], a[1] + b[1]] for a, b in pairs]
            if len(self._buckets) % 2:
                merged.append(self._buckets[-1])
            self._buckets, self._per_bucket = merged, self._per_bucket * 2
        self.query_one("#samp-loss-chart", Sparkline).data = [s / n for s, n in self._buckets]
        self.query_one("#samp-loss-label", Label).update(
            f"step {step} / {steps}  loss {loss:.3f}  {tokens_per_s:,.0f} tok/s"
        )

    def show_baseline(self, vocab_size: int) -> None:
        """What the loss means before any training: a uniform guess scores ln(vocab)."""
        self.query_one("#samp-eval-label", Label).update(
            f"a uniform guess over {vocab_size} tokens scores ln {vocab_size} = "
            f"{math.log(vocab_size):.2f}"
        )

    def show_eval(self, step: int, train_loss: float, val_loss: float) -> None:
        self.query_one("#samp-eval-label", Label).update(
            f"eval at step {step}: train {train_loss:.3f}  val {val_loss:.3f}"
        )
