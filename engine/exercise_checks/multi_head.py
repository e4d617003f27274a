"""Exercise `multi_head`: the lecture's `MultiHeadAttention`, heads side by side.

The learner's class is built with the engine's `Head` as `head=` (so only the joining and the
projection are tested) and the weights of the engine's `MultiHeadAttention` by name.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.exercise_checks import piece_cases as pieces
from engine.exercise_checks.common import Case, Variant
from engine.ladder_pieces import Head, MultiHeadAttention

FUNCTION = "MultiHeadAttention"
SIGNATURE = "MultiHeadAttention(n_embd, num_heads, head_size, block_size, dropout=0.0, head=Head)"
ARG_NAMES = pieces.ARG_NAMES
SHAPE_ERROR_HINT = (
    "self.proj takes the heads side by side: torch.cat([h(x) for h in self.heads], dim=-1) "
    "is (B, T, num_heads * head_size); summing the heads, or taking only one, leaves "
    "(B, T, head_size), and joining on another dim leaves the last one head_size wide"
)
NEEDS = (
    "the stub's MultiHeadAttention holds self.heads = nn.ModuleList of num_heads heads, each "
    "head(n_embd, head_size, block_size, dropout), and self.proj = "
    "nn.Linear(num_heads * head_size, n_embd)"
)
HEAD = {"head": Head}

# (n_embd, num_heads, head_size, block_size, dropout), x (B, T, n_embd)
SPECS: list[pieces.Spec] = [
    ((16, 4, 4, 8, 0.0), HEAD, (2, 5, 16)),
    ((8, 2, 4, 4, 0.0), HEAD, (1, 4, 8)),
    ((12, 3, 4, 6, 0.1), HEAD, (2, 1, 12)),
    ((6, 1, 6, 8, 0.0), HEAD, (3, 7, 6)),
    ((10, 2, 3, 9, 0.0), HEAD, (2, 9, 10)),
    ((9, 3, 3, 5, 0.0), HEAD, (4, 5, 9)),
    ((32, 8, 4, 16, 0.2), HEAD, (1, 11, 32)),
]


def cases() -> list[Case]:
    return pieces.cases(MultiHeadAttention, SPECS)


adapt = pieces.adapter(MultiHeadAttention, NEEDS)
reference = adapt(MultiHeadAttention)
unpack = pieces.unpack
error_hints = pieces.error_hints


def probe(fn: pieces.Forward) -> dict[str, torch.Tensor]:
    return pieces.given_class_outputs(fn, cases()[0], ["head"])


def judge_probe(probed: dict[str, torch.Tensor]) -> list[str] | None:
    return pieces.ignored_classes(probed, reference, cases()[0], ["head"])


def _forward(
    self: nn.Module, x: torch.Tensor, *, join: str = "cat", proj: bool = True
) -> torch.Tensor:
    outs = [h(x) for h in self.heads]
    if join == "cat":
        out = torch.cat(outs, dim=-1)
    else:  # "interleave": stacked on a new last dim, then flattened
        out = torch.stack(outs, dim=-1).flatten(-2)
    return self.dropout(self.proj(out)) if proj else out


_variant = pieces.mistakes(adapt, MultiHeadAttention, _forward)

VARIANTS = [
    Variant(
        "no_proj",
        _variant(proj=False),
        "the output projection is missing: return self.dropout(self.proj(out)), out being "
        "the heads joined",
    ),
    Variant(
        "interleaved",
        _variant(join="interleave"),
        "the heads are joined on the wrong dim: torch.stack(..., dim=-1) then flattening "
        "interleaves their columns; torch.cat(..., dim=-1) puts head h's outputs in columns "
        "h·head_size to (h+1)·head_size − 1",
    ),
]
