"""Exercise `feed_forward`: the lecture's `FeedForward`, linear, ReLU, linear back.

The learner's `self.net` must be laid out as the lecture's nn.Sequential (net.0 and net.2 hold
the weights), so the reference's weights load by name.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from engine.exercise_checks import piece_cases as pieces
from engine.exercise_checks.common import Case, Variant
from engine.ladder_pieces import FeedForward

FUNCTION = "FeedForward"
SIGNATURE = "FeedForward(n_embd, dropout=0.0)"
ARG_NAMES = pieces.ARG_NAMES
SHAPE_ERROR_HINT = (
    "the first linear goes from n_embd to 4 * n_embd, the second from 4 * n_embd back to n_embd"
)
NEEDS = (
    "the stub's FeedForward holds self.net = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), "
    "nn.ReLU(), nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout)): its weights are "
    "net.0.weight, net.0.bias, net.2.weight and net.2.bias"
)

# (n_embd, dropout), x (B, T, n_embd)
SPECS: list[pieces.Spec] = [
    ((16, 0.0), {}, (2, 5, 16)),
    ((8, 0.0), {}, (1, 4, 8)),
    ((12, 0.1), {}, (2, 1, 12)),
    ((6, 0.0), {}, (3, 7, 6)),
    ((7, 0.0), {}, (2, 5, 7)),
    ((1, 0.0), {}, (2, 3, 1)),
    ((32, 0.2), {}, (1, 9, 32)),
]


def cases() -> list[Case]:
    return pieces.cases(FeedForward, SPECS)


adapt = pieces.adapter(FeedForward, NEEDS)
reference = adapt(FeedForward)
unpack = pieces.unpack
error_hints = pieces.error_hints


def _forward(
    self: nn.Module,
    x: torch.Tensor,
    *,
    activation: str = "relu",
    relu_after: bool = False,
    residual: bool = False,
) -> torch.Tensor:
    first, second = self.net[0], self.net[2]
    act = {"relu": F.relu, "none": lambda h: h, "gelu": F.gelu, "tanh": torch.tanh}[activation]
    out = second(act(first(x)))
    out = F.relu(out) if relu_after else out
    return x + out if residual else out


_variant = pieces.mistakes(adapt, FeedForward, _forward)

VARIANTS = [
    Variant(
        "no_relu",
        _variant(activation="none"),
        "there is no ReLU between the two linears: two linears in a row are one linear; "
        "net = Sequential(Linear, ReLU, Linear, Dropout)",
    ),
    Variant("gelu", _variant(activation="gelu"), "GELU instead of ReLU: the lecture uses nn.ReLU"),
    Variant("tanh", _variant(activation="tanh"), "tanh instead of ReLU: the lecture uses nn.ReLU"),
    Variant(
        "relu_after_last",
        _variant(relu_after=True),
        "a ReLU after the last linear: the output could never be negative; the ReLU goes only "
        "between the two linears",
    ),
    Variant(
        "residual",
        _variant(residual=True),
        "FeedForward returns x + net(x): return net(x) alone; the residual x + ... is the Block's",
    ),
]
