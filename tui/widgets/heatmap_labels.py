"""Row labels beside a heatmap's grid and column labels above it, for token-by-token matrices.

A label is one terminal column per character, so labels and cells stay aligned whatever a token
holds; column labels wider than a cell stand vertically, one letter per line.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.strip import Strip

from tui.widgets.cell_strips import BOLD

LABEL_MAX = 8
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def label_text(token: object) -> str:
    """A token as a label of at most LABEL_MAX one-column characters.

    Newlines and tabs are escaped and a blank token shows as '␣', so a token never breaks the
    line or vanishes; characters of another width become '?' so columns stay aligned.
    """
    text = "".join(_ESCAPES.get(ch, ch) for ch in str(token))
    if not text.strip():
        text = "␣" * max(len(text), 1)
    return "".join(ch if ch.isprintable() and cell_len(ch) == 1 else "?" for ch in text)[:LABEL_MAX]


def gutter_width(row_labels: list[str] | None) -> int:
    """Columns left of the grid: the longest row label and a space."""
    if not row_labels:
        return 0
    return max(len(s) for s in row_labels) + 1


def header_height(col_labels: list[str] | None, cell_width: int) -> int:
    """Lines above the grid: one if every label fits its cell, else one per letter."""
    if not col_labels:
        return 0
    longest = max(len(s) for s in col_labels)
    return 1 if longest <= cell_width else longest


def header_strip(col_labels: list[str], cell_width: int, y: int) -> Strip:
    """Line y of the column labels, each centred over its cell."""
    if header_height(col_labels, cell_width) == 1:
        text = "".join(label.center(cell_width) for label in col_labels)
    else:  # vertical: one letter per line, in the cell's middle column
        pad = (cell_width - 1) // 2
        text = "".join(
            (" " * pad + (s[y] if y < len(s) else " ")).ljust(cell_width) for s in col_labels
        )
    return Strip([Segment(text, BOLD)], len(text))


def pair_labels(row_labels: list[str]) -> list[str]:
    """Half blocks draw two rows per line: 'upper/lower', the line's two labels."""
    pairs = zip(row_labels[::2], [*row_labels[1::2], None])
    return [upper if lower is None else f"{upper}/{lower}" for upper, lower in pairs]
