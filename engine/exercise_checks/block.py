"""Exercise `block`: the lecture's transformer `Block`, pre-norm residuals around sa and ffwd.

The learner's class is built with the engine's `MultiHeadAttention`, `FeedForward` and
`LayerNorm` (or `no_norm`, the rung before layer norm), so only the wiring is tested.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.exercise_checks import piece_cases as pieces
from engine.exercise_checks.common import Case, Variant
from engine.ladder_pieces import Block, FeedForward, LayerNorm, MultiHeadAttention, no_norm

FUNCTION = "Block"
SIGNATURE = (
    "Block(n_embd, n_head, block_size, dropout=0.0, attention=MultiHeadAttention, "
    "feed_forward=FeedForward, norm=LayerNorm)"
)
ARG_NAMES = pieces.ARG_NAMES
SHAPE_ERROR_HINT = (
    "build self.sa = attention(n_embd, n_head, n_embd // n_head, block_size, dropout): "
    "n_head heads of n_embd // n_head, joined back to n_embd"
)
NEEDS = (
    "the stub's Block holds self.sa = attention(n_embd, n_head, n_embd // n_head, block_size, "
    "dropout), self.ffwd = feed_forward(n_embd, dropout), self.ln1 = norm(n_embd) and "
    "self.ln2 = norm(n_embd)"
)
NORM = {"attention": MultiHeadAttention, "feed_forward": FeedForward, "norm": LayerNorm}
NO_NORM = {**NORM, "norm": no_norm}

# (n_embd, n_head, block_size, dropout), x (B, T, n_embd)
SPECS: list[pieces.Spec] = [
    ((16, 4, 8, 0.0), NORM, (2, 5, 16)),
    ((8, 2, 4, 0.0), NO_NORM, (1, 4, 8)),
    ((12, 3, 6, 0.1), NORM, (2, 1, 12)),
    ((6, 1, 8, 0.0), NORM, (3, 7, 6)),
    ((10, 2, 9, 0.0), NO_NORM, (2, 9, 10)),
    ((9, 3, 5, 0.0), NORM, (4, 5, 9)),
    ((32, 4, 16, 0.2), NORM, (1, 11, 32)),
]


def cases() -> list[Case]:
    return pieces.cases(Block, SPECS)


adapt = pieces.adapter(Block, NEEDS)
reference = adapt(Block)
unpack = pieces.unpack
error_hints = pieces.error_hints


def probe(fn: pieces.Forward) -> dict[str, torch.Tensor]:
    return pieces.given_class_outputs(fn, cases()[0], list(NORM))


def judge_probe(probed: dict[str, torch.Tensor]) -> list[str] | None:
    return pieces.ignored_classes(probed, reference, cases()[0], list(NORM))


def _forward(
    self: nn.Module,
    x: torch.Tensor,
    *,
    residual: tuple[bool, bool] = (True, True),
    post_norm: bool = False,
    ffwd_first: bool = False,
    norms_swapped: bool = False,
) -> torch.Tensor:
    steps = [(self.sa, self.ln1), (self.ffwd, self.ln2)]
    if norms_swapped:
        steps = [(self.sa, self.ln2), (self.ffwd, self.ln1)]
    if ffwd_first:
        steps.reverse()
    for (layer, norm), add in zip(steps, residual):
        if post_norm:
            x = norm(x + layer(x))
        else:
            x = x + layer(norm(x)) if add else layer(norm(x))
    return x


_variant = pieces.mistakes(adapt, Block, _forward)

VARIANTS = [
    Variant(
        "no_residual",
        _variant(residual=(False, False)),
        "neither residual is there: x = x + self.sa(self.ln1(x)), then "
        "x = x + self.ffwd(self.ln2(x))",
    ),
    Variant(
        "no_residual_sa",
        _variant(residual=(False, True)),
        "the attention's residual is missing: x = x + self.sa(self.ln1(x))",
    ),
    Variant(
        "no_residual_ffwd",
        _variant(residual=(True, False)),
        "the feed-forward's residual is missing: x = x + self.ffwd(self.ln2(x))",
    ),
    Variant(
        "post_norm",
        _variant(post_norm=True),
        "the norm comes after adding (post-norm, as in the 2017 paper): the lecture normalises "
        "what goes into sa and ffwd, x = x + self.sa(self.ln1(x))",
    ),
    Variant(
        "ffwd_first",
        _variant(ffwd_first=True),
        "the feed-forward runs before the attention: communicate first (sa), then compute (ffwd)",
    ),
    Variant(
        "norms_swapped",
        _variant(norms_swapped=True),
        "ln1 and ln2 are swapped: ln1 goes before sa, ln2 before ffwd",
    ),
]
