"""The shape inspector: every tensor one mini-batch makes in feedforward and backprop, and the
weights and biases it leaves, so each gradient can be read beside what it corrects."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import DataTable

from tui.panes.lesson_focus import Target

# short, so that every column fits beside the lesson (the name already says the layer)
MEANING = {
    "x": "the images, as columns",
    "z": "weighted input w·a + b",
    "a": "activation σ(z)",
    "delta": "error δ = ∂C/∂z",
    "nabla_b": "∂C/∂b, summed over batch",
    "nabla_w": "∂C/∂w = δ·aᵀ, summed",
    "w": "weights, after the step",
    "b": "biases, after the step",
}


def meaning(name: str) -> str:
    return MEANING.get(name.rstrip("0123456789"), "")


class ShapeTable(DataTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("tensor", "shape", "mean", "min", "max", "what it is")

    def show(self, summaries) -> None:  # noqa: ANN001 - engine.mlp.TensorSummary list
        self.clear()
        for s in summaries:
            self.add_row(
                s.name,
                " x ".join(map(str, s.shape)),
                f"{s.mean:+.4f}",
                f"{s.min:+.4f}",
                f"{s.max:+.4f}",
                meaning(s.name),
            )

    def every_column(self) -> Target:
        """The rows in view at the table's full width: all six columns must show, "what it
        is" too (the rows themselves scroll)."""
        height = min(self.virtual_size.height, self.scrollable_content_region.height)
        region = Region(0, round(self.scroll_y), self.virtual_size.width, max(1, height))
        return Target(self, region, what="the Shapes table's columns")

    def rows_from(self, first: str, last: str) -> Target:
        """The rows `first` to `last` (tensor names) across every column, the header's line
        above them counted in: the lesson compares them (nabla_w2 beside w2)."""
        names = [str(self.get_row_at(i)[0]) for i in range(self.row_count)]
        if first not in names or last not in names:
            return self.every_column()
        top, bottom = names.index(first), names.index(last)
        rows = Region(0, self.header_height + top, self.virtual_size.width, bottom - top + 1)
        return Target(self, rows, what=f"the Shapes rows {first} to {last}")
