"""The shape inspector: every tensor one mini-batch makes in feedforward and backprop."""

from __future__ import annotations

from textual.widgets import DataTable

MEANING = {
    "x": "the input: one column per image",
    "z": "weighted input w·a + b",
    "a": "activation σ(z)",
    "delta": "error δ = ∂C/∂z",
    "nabla_b": "∂C/∂b, summed over the batch",
    "nabla_w": "∂C/∂w = δ·aᵀ",
}


def meaning(name: str) -> str:
    stem = name.rstrip("0123456789")
    return MEANING.get(stem, "") + (f" (layer {name[len(stem) :]})" if name[len(stem) :] else "")


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
