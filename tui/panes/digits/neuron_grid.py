"""What each hidden neuron looks for: its 784 incoming weights drawn as a 28x28 image
(blue negative, red positive), shrunk to 14x14 so all of them fit."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import Label

from tui.widgets.heatmap import Heatmap


def shrink(weights: np.ndarray) -> np.ndarray:
    """(784,) weights to a 14x14 image by averaging 2x2 blocks."""
    return weights.reshape(14, 2, 14, 2).mean(axis=(1, 3))


EMPTY = "Train a network to see what its hidden neurons look for."


class NeuronGrid(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Label(EMPTY, id="neuron-status")
        yield Grid(id="neuron-cells")

    def clear(self) -> None:
        """No neurons: the network they belonged to is gone."""
        self.query_one("#neuron-cells", Grid).remove_children()
        self.query_one("#neuron-status", Label).update(EMPTY)

    def show(self, weights: np.ndarray) -> None:
        """The first layer's weights, (hidden, 784)."""
        grid = self.query_one("#neuron-cells", Grid)
        cells = list(grid.query(Heatmap))
        # the 99th percentile, not the maximum: a few large weights would wash out the rest
        limit = float(np.percentile(np.abs(weights), 99)) or 1.0
        if len(cells) != len(weights):
            grid.remove_children()
            grid.mount_all(
                Vertical(
                    Heatmap(shrink(w), colormap="diverging", vmin=-limit, vmax=limit, legend=False),
                    Label(f"h{i}"),
                    classes="neuron",
                )
                for i, w in enumerate(weights)
            )
        else:
            for cell, w in zip(cells, weights):
                cell.update_matrix(shrink(w), vmin=-limit, vmax=limit)
        self.query_one("#neuron-status", Label).update(
            f"{len(weights)} hidden neurons: each image is one neuron's incoming weights "
            f"(red +, blue −, up to ±{limit:.2f})"
        )
