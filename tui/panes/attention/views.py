"""What the Attention pane's tabs show: one head's stage as a map beside one query row as
numbers and bars, every head of a layer side by side, and the embeddings that went in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.widgets.heatmap import Heatmap

if TYPE_CHECKING:
    from engine.inspect import Inspection

BAR = 12
LABELLED_UP_TO = 24  # tokens: beyond this the heatmap drops its labels and halves its height
STAGE_TITLES = {
    "scores": "raw scores q·kᵀ (or the variant's similarity)",
    "scaled": "scaled scores",
    "masked": "masked: hidden cells are −∞ (·)",
    "weights": "softmax weights: each row sums to 1",
    "output": "output: weights @ v (query × head dimension)",
}
BEFORE_SOFTMAX = ("scores", "scaled", "masked")  # what softmax turns into the weights
EMBEDDINGS = (
    ("sinusoidal", "the sin/cos table for these positions"),
    ("token", "token embeddings wte[token] of the sentence"),
    ("position", "this model's own position encodings"),
    ("sum", "what enters block 1: token + position"),
)


def row_bars(
    inspection: Inspection, layer: int, head: int, row: int, stage: str = "weights", top: int = 12
) -> str:
    """One query's weights: the keys it takes most from, as numbers and bars; on the scores,
    scaled and masked stages each key's number at that stage too, to see softmax at work."""
    weights = inspection.stage(layer, head, "weights")[row]
    hidden = np.isinf(inspection.stage(layer, head, "masked")[row])
    before = inspection.stage(layer, head, stage)[row] if stage in BEFORE_SOFTMAX else None
    tokens = inspection.tokens
    visible = np.flatnonzero(~hidden)
    also = f" (and its {stage} score)" if before is not None else ""
    lines = [f"query {row} {tokens[row]!r} sees {len(visible)} of {len(tokens)}; takes most{also}:"]
    for j in sorted(visible, key=lambda j: -weights[j])[:top]:
        filled = int(round(float(weights[j]) * BAR))
        score = f"  {before[j]:+7.2f}" if before is not None else ""
        lines.append(
            f"{j:<3} {tokens[j]!r:<5} {'█' * filled}{'░' * (BAR - filled)} {weights[j]:.3f}" + score
        )
    rest = len(visible) - top
    if rest > 0:
        share = float(np.sort(weights[visible])[:rest].sum())
        lines.append(f"... and {rest} more tokens sharing {share:.3f}")
    if not len(visible):
        lines.append("nothing: the mask hides every key from this row (its weights are 0)")
    return "\n".join(lines)


class StagesView(Horizontal):
    """One layer and head at one stage as a heatmap, and one query row of it as bars."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="att-map-box"):
            yield Heatmap(None, id="att-map", colormap="viridis")
        with VerticalScroll(id="att-row-box"):
            yield Static("", id="att-row")
            yield Static("", id="att-next")

    def show(self, look: Inspection, layer: int, head: int, stage: str, row: int) -> None:
        matrix = look.stage(layer, head, stage)
        labelled = len(look.tokens) <= LABELLED_UP_TO
        rows = [repr(t)[1:-1] or "␣" for t in look.tokens]
        heatmap = self.query_one("#att-map", Heatmap)
        heatmap.title = f"{STAGE_TITLES[stage]} (layer {layer + 1}, head {head + 1})"
        hidden = np.isinf(look.stage(layer, head, "masked"))
        cols = rows if stage != "output" else [str(i) for i in range(matrix.shape[1])]
        heatmap.update_matrix(
            matrix,
            row_labels=rows if labelled else [],
            col_labels=cols if labelled and stage != "output" else [],
            masked=hidden if stage in ("masked", "weights") else None,
            vmin=0.0 if stage == "weights" else None,
        )
        self.query_one("#att-row", Static).update(row_bars(look, layer, head, row, stage))
        guesses = "  ".join(f"{piece!r} {p:.2f}" for piece, p in look.next_token)
        self.query_one("#att-next", Static).update(f"\nnext token after the sentence: {guesses}")


class HeadsView(HorizontalScroll):
    """Every head's attention weights in one layer, side by side."""

    def show(self, weights: np.ndarray) -> None:
        """`weights`: (heads, T, T)."""
        maps = list(self.query(Heatmap))
        if len(maps) != len(weights):
            self.remove_children()
            self.mount_all(
                Vertical(
                    Label(f"head {h + 1}"),
                    Heatmap(w, legend=False, vmin=0, vmax=1),
                    classes="att-head",
                )
                for h, w in enumerate(weights)
            )
            return
        for heatmap, w in zip(maps, weights):
            heatmap.update_matrix(w, vmin=0.0, vmax=1.0)


class EmbeddingsView(VerticalScroll):
    """The sin/cos table, the token embeddings, the model's position encodings and their sum."""

    def compose(self) -> ComposeResult:
        yield Static(
            "Positional encoding (sin/cos): PE(pos, 2i) = sin(pos / 10000^(2i/d)),"
            "  PE(pos, 2i+1) = cos(pos / 10000^(2i/d)); rows are positions, "
            "columns dimensions.",
            id="att-formula",
        )
        for key, title in EMBEDDINGS:
            yield Label(title, classes="embed-title")
            with HorizontalScroll(classes="embed-box"):
                yield Heatmap(None, id=f"att-embed-{key}", colormap="diverging", legend=True)

    def show(self, parts: dict[str, np.ndarray]) -> None:
        for key, matrix in parts.items():
            self.query_one(f"#att-embed-{key}", Heatmap).update_matrix(matrix)
