"""What the Attention pane's tabs show: one head's stage as a map beside one query row as
numbers and bars, every head of a layer side by side, and the embeddings that went in.

Each view fits what it draws to its box: the bars go under a map too wide to share the width,
as many bars as fit are listed, a labelled map with more rows than lines draws two rows per
line, and the heads are shrunk until all of them fit side by side.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, ScrollableContainer, Vertical
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Label, Static

from tui.panes.lesson_focus import Target, scroll_into_view
from tui.widgets.heatmap import Heatmap

if TYPE_CHECKING:
    from engine.inspect import Inspection

BAR = 12
TOP = 12  # the most keys listed under a query
LABELLED_UP_TO = 24  # tokens: beyond this the heatmap drops its labels and halves its height
GUESS = "next after the last token: "  # the model's guess, whichever row is shown
BARS_WIDTH = 44  # columns the bars need beside the map; fewer and they go under it
STAGE_TITLES = {
    "scores": "raw scores q·kᵀ (or the variant's similarity)",
    "scaled": "scaled scores",
    "masked": "masked: hidden cells are −∞ (·)",
    "weights": "softmax weights: each row sums to 1",
    "output": "output: weights @ v (query × head dimension)",
}
BEFORE_SOFTMAX = {"scores": "raw score", "scaled": "scaled score", "masked": "masked score"}
EMBEDDINGS = (  # two by two: what goes in, then the two kinds of position rows
    # short titles, one line each at 80 columns: a lesson needs a map with its title in view
    ("token", "token embeddings wte[token]"),
    ("sum", "into block 1: token + position"),
    ("position", "this model's learned positions"),
    ("sinusoidal", "the sin/cos table, same positions"),
)


class PageScroll(ScrollableContainer, inherit_bindings=False):
    """A box that scrolls by page keys only: the arrows stay the pane's (row and stage)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
        Binding("ctrl+pageup", "page_left", "Page left", show=False),
        Binding("ctrl+pagedown", "page_right", "Page right", show=False),
    ]


class MapBox(PageScroll):
    """The Stages map's box: it keeps the query row in view as the row, the map or the box
    changes (bars moving under the map make it shorter)."""

    def on_resize(self) -> None:
        self.show_marked_row()

    def show_marked_row(self) -> None:
        heatmap = self.query_one(Heatmap)
        if heatmap.marked_row is not None and heatmap.matrix is not None:
            self.call_after_refresh(
                scroll_into_view, Target(heatmap, heatmap.row_region(heatmap.marked_row))
            )


def token_label(token: str) -> str:
    """A token as a heatmap label: its repr without quotes, a blank one as ␣."""
    text = repr(token)[1:-1]
    return text if text.strip() else "␣" * max(len(text), 1)


def wrapped_lines(text: str, width: int) -> int:
    """Lines `text` takes wrapped at `width` columns (as a Static wraps it, near enough)."""
    return sum(max(1, len(textwrap.wrap(line, max(width, 1)))) for line in text.split("\n"))


def row_bars(
    inspection: Inspection,
    ids: list[int],
    layer: int,
    head: int,
    row: int,
    stage: str = "weights",
    top: int = TOP,
) -> str:
    """One query's weights: the keys it takes most from, as numbers and bars; on the scores,
    scaled and masked stages each key's number at that stage too, to see softmax at work."""
    weights = inspection.stage(layer, head, "weights")[row]
    hidden = np.isinf(inspection.stage(layer, head, "masked")[row])
    before = inspection.stage(layer, head, stage)[row] if stage in BEFORE_SOFTMAX else None
    tokens = inspection.tokens
    visible = np.flatnonzero(~hidden)
    also = f" (weight, then its {BEFORE_SOFTMAX[stage]})" if before is not None else ""
    lines = [
        f"query {row} {tokens[row]!r} (id {ids[row]}) sees {len(visible)} of {len(tokens)}; "
        f"takes most{also}:"
    ]
    shown = sorted(visible, key=lambda j: -weights[j])[:top]
    pad = max((len(repr(tokens[j])) for j in shown), default=0)
    for j in shown:
        filled = int(round(float(weights[j]) * BAR))
        score = f"  {before[j]:+7.2f}" if before is not None else ""
        lines.append(
            f"{j:<3} {tokens[j]!r:<{pad}} id {ids[j]:<3} {'█' * filled}{'░' * (BAR - filled)} "
            f"{weights[j]:.3f}{score}"
        )
    rest = len(visible) - len(shown)
    if rest > 0:
        share = float(np.sort(weights[visible])[:rest].sum())
        lines.append(f"... and {rest} more tokens sharing {share:.3f}")
    if not len(visible):
        lines.append("nothing: the mask hides every key from this row (its weights are 0)")
    return "\n".join(lines)


class StagesView(Container):
    """One layer and head at one stage as a heatmap, its query row marked, and that row as
    bars: beside the map where both fit, under it where they do not."""

    shown: tuple[Inspection, list[int], int, int, str, int] | None = None

    def compose(self) -> ComposeResult:
        with MapBox(id="att-map-box"):
            yield Heatmap(None, id="att-map", colormap="viridis")
        with PageScroll(id="att-row-box"):
            yield Static("", id="att-row")
            yield Static("", id="att-next")

    def show(
        self, look: Inspection, ids: list[int], layer: int, head: int, stage: str, row: int
    ) -> None:
        self.shown = (look, ids, layer, head, stage, row)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.shown is None:
            return
        look, ids, layer, head, stage, row = self.shown
        width, height = self.content_size
        matrix = look.stage(layer, head, stage)
        labelled = len(look.tokens) <= LABELLED_UP_TO
        rows = [token_label(t) for t in look.tokens]
        heatmap = self.query_one("#att-map", Heatmap)
        heatmap.title = f"{STAGE_TITLES[stage]} (layer {layer + 1}, head {head + 1})"
        hidden = np.isinf(look.stage(layer, head, "masked"))
        cols = rows if labelled and stage != "output" else []
        header = max(map(len, cols), default=0)
        half = labelled and header + len(rows) > height  # too tall: two rows a line, labels kept
        heatmap.update_matrix(
            matrix,
            row_labels=rows if labelled else [],
            col_labels=[] if half else cols,
            masked=hidden if stage in ("masked", "weights") else None,
            vmin=0.0 if stage == "weights" else None,
            marked_row=row,
            half_blocks=half,
        )
        stacked = heatmap.grid_region.width + 2 + BARS_WIDTH > width
        self.set_class(stacked, "-stacked")
        # less the margin and, where they overflow, both boxes' scrollbars
        bars_width = width - 1 if stacked else width - heatmap.grid_region.width - 4
        guesses = [f"{piece!r} {p:.2f}" for piece, p in look.next_token]
        while len(guesses) > 1 and len(GUESS + "  ".join(guesses)) > bars_width:
            guesses.pop()  # as many as fit one line
        guess = GUESS + "  ".join(guesses)
        room = (max(7, height // 2) if stacked else height) - 1 - wrapped_lines(guess, bars_width)
        top = TOP
        bars = row_bars(look, ids, layer, head, row, stage, top)
        while top > 1 and wrapped_lines(bars, bars_width) > room:
            top -= 1
            bars = row_bars(look, ids, layer, head, row, stage, top)
        self.query_one("#att-row", Static).update(bars)
        self.query_one("#att-next", Static).update(guess)
        self.query_one(MapBox).show_marked_row()


def max_pool(matrix: np.ndarray, size: int) -> np.ndarray:
    """Each `size` x `size` block of `matrix` as its largest value: a thin stripe survives."""
    if size == 1:
        return matrix
    rows, cols = (math.ceil(n / size) * size for n in matrix.shape)
    padded = np.zeros((rows, cols))
    padded[: matrix.shape[0], : matrix.shape[1]] = matrix
    return padded.reshape(rows // size, size, cols // size, size).max(axis=(1, 3))


class HeadsView(Vertical):
    """Every head's attention weights in one layer, side by side, each shrunk (a block of
    cells as its largest weight) until all of them fit the width and the height."""

    weights: np.ndarray | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="att-heads-note")
        yield ScrollableContainer(id="att-heads-box")

    def show(self, weights: np.ndarray) -> None:
        """`weights`: (heads, T, T)."""
        self.weights = weights
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def shrink(self) -> int:
        """The smallest block size at which every head fits beside the others."""
        assert self.weights is not None
        heads, tokens = self.weights.shape[:2]
        width, height = self.content_size
        for size in range(1, tokens + 1):
            cells = math.ceil(tokens / size)
            if heads * (cells + 2) <= width and math.ceil(cells / 2) + 2 <= height:
                return size
        return tokens

    def _draw(self) -> None:
        if self.weights is None or not self.content_size.width:
            return
        size = self.shrink()
        note = f"each cell: the largest weight of {size}×{size} (query × key)" if size > 1 else ""
        self.query_one("#att-heads-note", Label).update(note)
        box = self.query_one("#att-heads-box", ScrollableContainer)
        maps = list(box.query(Heatmap))
        pooled = [max_pool(w, size) for w in self.weights]
        if len(maps) != len(pooled):
            box.remove_children()
            box.mount_all(
                Vertical(
                    Label(f"head {h + 1}"),
                    Heatmap(w, legend=False, vmin=0, vmax=1),
                    classes="att-head",
                )
                for h, w in enumerate(pooled)
            )
            return
        for heatmap, w in zip(maps, pooled):
            heatmap.update_matrix(w, vmin=0.0, vmax=1.0)


class EmbeddingsView(ScrollableContainer):
    """The token embeddings beside their sum with the positions, then the model's position
    encodings beside the sin/cos table; rows labelled with position and token."""

    shown: tuple[dict[str, np.ndarray], list[str]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            "Positional encoding (sin/cos): PE(pos, 2i) = sin(pos / 10000^(2i/d)),"
            "  PE(pos, 2i+1) = cos(pos / 10000^(2i/d)); rows are positions, "
            "columns dimensions.",
            id="att-formula",
        )
        with Container(id="att-embed-grid"):
            for key, title in EMBEDDINGS:
                with Vertical(classes="embed-cell"):
                    yield Label(title, classes="embed-title", markup=False)  # "[token]" is no style
                    with ScrollableContainer(classes="embed-box"):
                        yield Heatmap(None, id=f"att-embed-{key}", colormap="diverging")

    def show(self, parts: dict[str, np.ndarray], tokens: list[str]) -> None:
        self.shown = (parts, tokens)
        self._draw()

    def targets(self, heatmap: Heatmap, name: str) -> list[Target]:
        """What a lesson points at in one of the maps: its left columns, as many as its box
        shows (the map scrolls sideways), and its title (four maps look alike without it)."""
        box, grid = heatmap.parent, heatmap.grid_region
        width = box.scrollable_content_region.width if isinstance(box, Widget) else grid.width
        cell = next(a for a in heatmap.ancestors if a.has_class("embed-cell"))
        return [
            Target(heatmap, Region(0, 0, min(grid.width, width), grid.height), name),
            Target(cell.query_one(".embed-title"), what=f"{name} title"),
        ]

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.shown is None:
            return
        parts, tokens = self.shown
        labels = [f"{i} {token_label(t)}" for i, t in enumerate(tokens)]
        half = len(tokens) > self.content_size.height  # all rows in view: two a line
        for key, matrix in parts.items():
            self.query_one(f"#att-embed-{key}", Heatmap).update_matrix(
                matrix, row_labels=labels, half_blocks=half
            )
