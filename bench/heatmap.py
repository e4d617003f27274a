"""How long the Heatmap widget takes to build a frame, against the ~3 ms target.

The target comes from a measurement in this project's issue: a 64x64 frame as Line API strips
took about 3 ms, a rich Text 33-48 ms. Prints the median of N runs, in milliseconds, for:
1. a random 64x64 matrix (every cell a different colour): colours + all strips, strip cache cold,
   then also with the shared style cache cold;
2. a 28x28 synthetic digit in grey, same two ways;
3. a 12x12 attention matrix in label mode;
4. a warm frame (every strip from the cache).
Figures only, never asserts.
Run: python bench/heatmap.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from tui.widgets.cell_strips import clear_style_cache
from tui.widgets.heatmap import Heatmap


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def synthetic_digit() -> np.ndarray:
    """A thick '7'-ish stroke with soft edges, values in [0, 1]."""
    digit = np.zeros((28, 28))
    digit[6:9, 6:22] = 1.0
    for r in range(8, 24):
        c = 21 - (r - 8) // 2
        digit[r, c - 1 : c + 2] = 1.0
    soft = np.zeros_like(digit)
    soft[1:-1, 1:-1] = (digit[:-2, 1:-1] + digit[2:, 1:-1] + digit[1:-1, :-2] + digit[1:-1, 2:]) / 4
    return np.maximum(digit, soft * 0.6)


def frame(widget: Heatmap, matrix: np.ndarray, cold_styles: bool, **kw: object) -> None:
    if cold_styles:
        clear_style_cache()
    widget.update_matrix(matrix, **kw)  # new data: cold strip cache
    widget.render_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    big = rng.standard_normal((64, 64))
    digit = synthetic_digit()
    tokens = "the pizza came out of the oven and it tasted good .".split()
    attention = np.tril(rng.random((12, 12)))
    attention[np.triu_indices(12, 1)] = -np.inf

    cases = [
        ("64x64 viridis", Heatmap(big), big, {}),
        ("28x28 digit gray", Heatmap(digit, colormap="gray"), digit, {"vmin": 0.0, "vmax": 1.0}),
        (
            "12x12 labelled w=3",
            Heatmap(attention, row_labels=tokens, col_labels=tokens, cell_width=3),
            attention,
            {"row_labels": tokens, "col_labels": tokens},
        ),
    ]
    print(f"median of {args.runs} runs, milliseconds per frame (all strips)")
    for label, widget, matrix, kw in cases:
        strips = len(widget.render_all())
        warm_styles = median_ms(partial(frame, widget, matrix, False, **kw), args.runs)
        cold_styles = median_ms(partial(frame, widget, matrix, True, **kw), args.runs)
        warm = median_ms(widget.render_all, args.runs)
        print(
            f"{label:20s} {strips:3d} lines  cold strips {warm_styles:6.2f}  "
            f"cold strips+styles {cold_styles:6.2f}  cached {warm:6.3f}"
        )


if __name__ == "__main__":
    main()
