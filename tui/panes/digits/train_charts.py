"""Live charts of a run: accuracy per epoch and mini-batch cost, as sparklines with numbers."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline


class TrainCharts(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("accuracy per epoch", id="acc-label")
        yield Sparkline([], id="acc-chart")
        yield Label("mean cost per mini-batch", id="loss-label")
        yield Sparkline([], id="loss-chart")

    def reset(self) -> None:
        self.query_one("#acc-chart", Sparkline).data = []
        self.query_one("#loss-chart", Sparkline).data = []
        self.query_one("#acc-label", Label).update("accuracy per epoch")
        self.query_one("#loss-label", Label).update("mean cost per mini-batch")

    def show_accuracy(self, accuracy: list[tuple[int, int]]) -> None:
        percents = [100 * c / t for c, t in accuracy]
        self.query_one("#acc-chart", Sparkline).data = percents
        if percents:
            best = max(range(len(percents)), key=percents.__getitem__)
            self.query_one("#acc-label", Label).update(
                f"accuracy {percents[-1]:.2f}% (best {percents[best]:.2f}%, epoch {best})"
            )

    def add_loss(self, loss: float) -> None:
        chart = self.query_one("#loss-chart", Sparkline)
        chart.data = [*list(chart.data or [])[-199:], loss]
        self.query_one("#loss-label", Label).update(f"mean cost per mini-batch: {loss:.4f}")
