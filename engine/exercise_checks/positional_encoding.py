"""Exercise `positional_encoding`: the sinusoidal table of "Attention Is All You Need"."""

from __future__ import annotations

from typing import Any

import torch

from engine.exercise_checks.common import Case, Named, Variant, as_tensor, switched
from engine.positional import sinusoidal_table

FUNCTION = "positional_encoding"
SIGNATURE = "positional_encoding(T, d) -> table"
ARG_NAMES = ("T", "d")
SHAPE_ERROR_HINT = (
    "with an odd d the last column is a sine without a cosine partner: there are "
    "(d + 1) // 2 sine columns (0, 2, 4, ...) and d // 2 cosine columns (1, 3, ...)"
)

SIZES = [(8, 4), (16, 6), (1, 4), (5, 2), (32, 16), (50, 64), (7, 5), (1, 1), (3, 3)]


def cases() -> list[Case]:
    return [Case(f"T = {T}, d = {d}" + (" (odd d)" if d % 2 else ""), (T, d)) for T, d in SIZES]


def reference(T: int, d: int) -> Any:
    return sinusoidal_table(T, d)


def unpack(result: Any, case: Case) -> Named:
    return [("table", as_tensor(result, "table"))]


def _table(
    T: int,
    d: int,
    *,
    swap: bool = False,
    column_index: bool = False,
    pair_index: bool = False,
    halves: bool = False,
    start: int = 0,
    transposed: bool = False,
) -> torch.Tensor:
    pos = torch.arange(start, start + T, dtype=torch.float64).unsqueeze(1)
    col = torch.arange(d)
    if halves:  # all the sines first, then all the cosines
        sines = (d + 1) // 2
        i = torch.where(col < sines, col, col - sines).to(torch.float64)
        angle = pos / 10000.0 ** (2 * i / d)
        table = torch.where(col < sines, torch.sin(angle), torch.cos(angle))
    else:
        two_i = (col - col % 2).to(torch.float64)
        if column_index:
            two_i = col.to(torch.float64)
        elif pair_index:
            two_i = two_i / 2
        angle = pos / 10000.0 ** (two_i / d)
        even = col % 2 == 0
        first, second = (torch.cos, torch.sin) if swap else (torch.sin, torch.cos)
        table = torch.where(even, first(angle), second(angle))
    table = table.float()
    return table.T if transposed else table


_variant = switched(_table)

VARIANTS = [
    Variant(
        "swapped",
        _variant(swap=True),
        "sin and cos are swapped: column 2i holds the sine, column 2i + 1 the cosine",
    ),
    Variant(
        "column_index",
        _variant(column_index=True),
        "columns 2i and 2i + 1 share one frequency: both use 10000^(2i/d) with i the pair's "
        "index, not each column's own index",
    ),
    Variant(
        "pair_index",
        _variant(pair_index=True),
        "the exponent is 2i/d, twice the pair index i; yours is i/d, so the frequency is wrong",
    ),
    Variant(
        "halves",
        _variant(halves=True),
        "interleave sines and cosines (column 2i sin, column 2i + 1 cos), not all the sines "
        "then all the cosines",
    ),
    Variant(
        "from_one",
        _variant(start=1),
        "positions count from 0: row 0 is sin(0) = 0 and cos(0) = 1",
    ),
    Variant(
        "transposed",
        _variant(transposed=True),
        "the table is transposed: it is (T, d), one row per position",
    ),
]
