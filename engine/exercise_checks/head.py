"""Exercise `head`: one head of causal self-attention as an nn.Module, the lecture's `Head`.

The reference is `engine.ladder_pieces.Head` with random weights; the learner's class gets the
same weights by name (key, query, value) and must give the same output.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from engine.exercise_checks import piece_cases as pieces
from engine.exercise_checks.common import Case, Variant
from engine.ladder_pieces import Head

FUNCTION = "Head"
SIGNATURE = "Head(n_embd, head_size, block_size, dropout=0.0)"
ARG_NAMES = pieces.ARG_NAMES
SHAPE_ERROR_HINT = (
    "x is (B, T, n_embd); key, query and value make (B, T, head_size) each; "
    "q @ k.transpose(-2, -1) is (B, T, T), so the mask is tril[:T, :T]: T may be less than "
    "block_size"
)
NEEDS = (
    "the stub's Head holds self.key, self.query and self.value, each "
    "nn.Linear(n_embd, head_size, bias=False), and no other weights"
)

# (n_embd, head_size, block_size, dropout), x (B, T, n_embd): T < block_size first, then
# B = 1, T = 1, odd sizes, head_size = n_embd, head_size = 1
SPECS: list[pieces.Spec] = [
    ((16, 8, 8, 0.0), {}, (2, 5, 16)),
    ((8, 4, 4, 0.0), {}, (1, 4, 8)),
    ((8, 8, 4, 0.0), {}, (2, 1, 8)),
    ((12, 5, 9, 0.1), {}, (3, 7, 12)),
    ((6, 3, 9, 0.0), {}, (1, 9, 6)),
    ((7, 3, 5, 0.0), {}, (2, 5, 7)),
    ((32, 16, 16, 0.2), {}, (4, 3, 32)),
    ((16, 1, 6, 0.0), {}, (2, 6, 16)),
]


def cases() -> list[Case]:
    return pieces.cases(Head, SPECS)


adapt = pieces.adapter(Head, NEEDS)
reference = adapt(Head)
unpack = pieces.unpack
error_hints = pieces.error_hints


def _forward(
    self: nn.Module,
    x: torch.Tensor,
    *,
    scale: str = "head_size",
    mask: str = "causal",
    softmax_dim: int = -1,
) -> torch.Tensor:
    T, C = x.shape[-2:]
    k, q = self.key(x), self.query(x)
    hs = k.shape[-1]
    by = {"head_size": math.sqrt(hs), "none": 1.0, "d": hs, "n_embd": math.sqrt(C)}[scale]
    wei = q @ k.transpose(-2, -1) / by
    i, j = torch.arange(T).unsqueeze(1), torch.arange(T).unsqueeze(0)
    hidden = {"causal": j > i, "anti": j < i, "inverted": j <= i, "none": j < 0}[mask]
    wei = F.softmax(wei.masked_fill(hidden, float("-inf")), dim=softmax_dim)
    return wei @ self.value(x)


_variant = pieces.mistakes(adapt, Head, _forward)

VARIANTS = [
    Variant(
        "no_mask",
        _variant(mask="none"),
        "nothing is masked: position i may look only at positions j ≤ i, so set the scores "
        "where tril[:T, :T] == 0 to -inf before the softmax",
    ),
    Variant(
        "anti_causal",
        _variant(mask="anti"),
        "the mask is on the wrong side (anti-causal): keep the lower triangle, torch.tril, "
        "and hide the future j > i, the upper-right",
    ),
    Variant(
        "inverted",
        _variant(mask="inverted"),
        "the mask is inverted: masked_fill(tril == 0, -inf) hides the future; tril == 1 hides "
        "the past and the position itself",
    ),
    Variant(
        "no_scale",
        _variant(scale="none"),
        "the scores are not scaled: multiply q @ kᵀ by head_size ** -0.5, so the softmax "
        "does not saturate",
    ),
    Variant(
        "scale_d",
        _variant(scale="d"),
        "the scores are divided by head_size: divide them by √head_size",
    ),
    Variant(
        "scale_n_embd",
        _variant(scale="n_embd"),
        "the scores are scaled by 1/√n_embd (x's C): scale by 1/√head_size, the size of the "
        "vectors the dot products are taken over (k.shape[-1])",
    ),
    Variant(
        "softmax_over_queries",
        _variant(softmax_dim=-2),
        "the softmax is over the queries (dim=-2): each position's row of weights must sum to "
        "1, so F.softmax(wei, dim=-1), over the keys",
    ),
]
