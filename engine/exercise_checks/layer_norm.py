"""Exercise `layer_norm`: the lecture's LayerNorm1d as an nn.Module, written by hand.

The reference is `engine.ladder_pieces.LayerNorm` with random gamma and beta (so forgetting
them shows). A case with eps = 0.1 makes where eps goes visible; a further check refuses torch's
own layer norm, which would match every case without the exercise being done.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from engine.exercise_checks import piece_cases as pieces
from engine.exercise_checks.common import Case, Variant
from engine.ladder_pieces import LayerNorm

FUNCTION = "LayerNorm"
SIGNATURE = "LayerNorm(dim, eps=1e-5)"
ARG_NAMES = pieces.ARG_NAMES
SHAPE_ERROR_HINT = (
    "take the mean and the variance over the last dim with keepdim=True: (..., 1), which "
    "broadcasts against x (..., dim)"
)
NEEDS = (
    "the stub's LayerNorm holds self.gamma = nn.Parameter(torch.ones(dim)), self.beta = "
    "nn.Parameter(torch.zeros(dim)) and self.eps, and no other weights"
)

# (dim, eps), x (..., dim): the lecture's (B, C), (B, T, C), B = T = 1, T = dim, a large eps
SPECS: list[pieces.Spec] = [
    ((16, 1e-5), {}, (2, 5, 16)),
    ((8, 1e-5), {}, (4, 8)),
    ((12, 1e-5), {}, (1, 1, 12)),
    ((7, 1e-5), {}, (3, 7, 7)),
    ((6, 0.1), {}, (2, 4, 6)),
    ((32, 1e-5), {}, (1, 9, 32)),
    ((2, 1e-5), {}, (5, 2)),
    ((10, 0.5), {}, (3, 2, 10)),
]


def cases() -> list[Case]:
    return pieces.cases(LayerNorm, SPECS)


adapt = pieces.adapter(LayerNorm, NEEDS)
reference = adapt(LayerNorm)
unpack = pieces.unpack
error_hints = pieces.error_hints

TORCH_LAYER_NORMS = (F.layer_norm, torch.layer_norm, torch.native_layer_norm)


class _Calls(TorchFunctionMode):
    """Records whether any of torch's own layer norms is called (nn.LayerNorm calls one)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer_norm = False

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001 - torch's
        self.layer_norm |= func in TORCH_LAYER_NORMS
        return func(*args, **(kwargs or {}))


def probe(fn: pieces.Forward) -> dict[str, bool]:
    """Whether the learner's piece calls torch's own layer norm on the first case."""
    with _Calls() as calls:
        fn(*cases()[0].args)
    return {"layer_norm": calls.layer_norm}


def judge_probe(probed: dict[str, bool]) -> list[str] | None:
    if probed["layer_norm"] is not False:
        return [
            "LayerNorm calls torch's own layer norm (nn.LayerNorm or F.layer_norm): compute "
            "the mean and the variance yourself, as the lecture's LayerNorm1d does"
        ]
    return None


def _forward(
    self: nn.Module,
    x: torch.Tensor,
    *,
    dim: int | None = -1,
    unbiased: bool = False,
    eps: str = "inside",
    affine: str = "both",
) -> torch.Tensor:
    dims = tuple(range(x.dim())) if dim is None else dim
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, keepdim=True, unbiased=unbiased)
    spread = {
        "inside": torch.sqrt(var + self.eps),
        "outside": torch.sqrt(var) + self.eps,
        "none": torch.sqrt(var),
    }[eps]
    xhat = (x - mean) / spread
    return {"both": self.gamma * xhat + self.beta, "gamma": self.gamma * xhat, "none": xhat}[affine]


_variant = pieces.mistakes(adapt, LayerNorm, _forward)

VARIANTS = [
    Variant(
        "over_the_batch",
        _variant(dim=0),
        "the mean and variance are over the batch (dim 0), as in batch norm: a layer norm "
        "takes them over each position's own features, the last dim (-1)",
    ),
    Variant(
        "over_time",
        _variant(dim=1),
        "the mean and variance are over dim 1, which is the features only for a 2-D (B, C) x: "
        "take them over the last dim, -1, so (B, T, C) works too",
    ),
    Variant(
        "over_everything",
        _variant(dim=None),
        "the mean and variance are over the whole tensor: take them over the last dim only "
        "(x.mean(-1, keepdim=True)), one per position",
    ),
    Variant(
        "unbiased",
        _variant(unbiased=True),
        "the variance is the unbiased one (divided by dim − 1): use x.var(-1, keepdim=True, "
        "unbiased=False), divided by dim, as nn.LayerNorm does",
    ),
    Variant(
        "eps_outside",
        _variant(eps="outside"),
        "eps is added outside the square root: divide by torch.sqrt(var + self.eps)",
    ),
    Variant(
        "no_eps",
        _variant(eps="none"),
        "eps is missing: divide by torch.sqrt(var + self.eps), so a constant row does not "
        "divide by 0",
    ),
    Variant(
        "no_affine",
        _variant(affine="none"),
        "gamma and beta are not used: return self.gamma * xhat + self.beta",
    ),
    Variant(
        "no_beta",
        _variant(affine="gamma"),
        "beta is not added: return self.gamma * xhat + self.beta",
    ),
]
