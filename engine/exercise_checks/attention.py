"""Exercise `attention`: scores, scale, causal mask, softmax, weighted sum of the values."""

from __future__ import annotations

import math
from typing import Any

import torch

from engine.attention import attention as engine_attention
from engine.exercise_checks.common import (
    Case,
    Named,
    Variant,
    as_pair,
    as_tensor,
    gen,
    index,
    shape,
    switched,
)

FUNCTION = "attention"
SIGNATURE = "attention(q, k, v, causal=True) -> (out, weights)"
ARG_NAMES = ("q", "k", "v", "causal")
SHAPE_ERROR_HINT = (
    "q @ k.transpose(-2, -1) turns (..., T, d) and (..., T, d) into (..., T, T) scores; "
    "k.T reverses EVERY dimension of a 3-D tensor, so use k.transpose(-2, -1)"
)

# (batch dims, T, d, d_v, causal): 2-D first, then batched, T = 1, d_v != d, no mask, 4-D
SHAPES: list[tuple[tuple[int, ...], int, int, int, bool]] = [
    ((), 4, 8, 8, True),
    ((), 6, 4, 4, True),
    ((2,), 5, 4, 4, True),
    ((), 1, 8, 8, True),
    ((1,), 6, 16, 3, True),
    ((3,), 7, 2, 5, True),
    ((), 5, 8, 8, False),
    ((2,), 4, 6, 6, False),
    ((2, 3), 5, 4, 4, True),
]


def cases() -> list[Case]:
    out = []
    for seed, (lead, T, d, d_v, causal) in enumerate(SHAPES):
        g = gen(seed)
        q = torch.randn(*lead, T, d, generator=g)
        k = torch.randn(*lead, T, d, generator=g)
        v = torch.randn(*lead, T, d_v, generator=g)
        label = f"q, k {shape(q)}, v {shape(v)}, causal={causal}"
        out.append(Case(label, (q, k, v, causal)))
    return out


def reference(q, k, v, causal=True) -> Any:
    out, stages = engine_attention(
        q, k, v, "scaled_dot", "causal" if causal else "none", capture=True
    )
    return out, stages.weights


def unpack(result: Any, case: Case) -> Named:
    out, weights = as_pair(result, FUNCTION, "out", "weights")
    return [("weights", as_tensor(weights, "weights")), ("out", as_tensor(out, "out"))]


def _attention(
    q,
    k,
    v,
    causal=True,
    *,
    scale: str = "sqrt_d",
    softmax_dim: int = -1,
    mask: str = "causal",
    fill: float = float("-inf"),
    mask_after: bool = False,
):
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1)
    if scale == "sqrt_d":
        scores = scores / math.sqrt(d)
    elif scale == "d":
        scores = scores / d
    elif scale == "sqrt_dv":
        scores = scores / math.sqrt(v.shape[-1])
    T = q.shape[-2]
    i = torch.arange(T).unsqueeze(1)
    j = torch.arange(T).unsqueeze(0)
    hidden = {"causal": j > i, "anti": j < i, "strict": j >= i, "none": j < 0}[mask]
    if not causal:
        hidden = j < 0
    if mask_after:
        weights = torch.softmax(scores, dim=softmax_dim).masked_fill(hidden, 0.0)
    else:
        weights = torch.softmax(scores.masked_fill(hidden, fill), dim=softmax_dim)
    return weights @ v, weights


_variant = switched(_attention)

VARIANTS = [
    Variant(
        "no_scale",
        _variant(scale="none"),
        "with the 1/√d scaling your output would match: did you forget to divide the scores "
        "q·kᵀ by √d (d = q.shape[-1])?",
    ),
    Variant("scale_d", _variant(scale="d"), "the scores are divided by d: divide them by √d"),
    Variant(
        "scale_dv",
        _variant(scale="sqrt_dv"),
        "scale by √d of the queries and keys (q.shape[-1]), not of the values",
    ),
    Variant(
        "wrong_axis",
        _variant(softmax_dim=-2),
        "softmax is taken over the wrong axis: each query's row must sum to 1, so "
        "softmax(scores, dim=-1), over the keys",
    ),
    Variant(
        "anti_causal",
        _variant(mask="anti"),
        "the mask is on the wrong side (anti-causal): query i may see keys j ≤ i, the past, "
        "so hide j > i, the upper-right triangle",
    ),
    Variant(
        "no_mask",
        _variant(mask="none"),
        "nothing is masked: with causal=True, hide every key j > i before the softmax",
    ),
    Variant(
        "strict",
        _variant(mask="strict"),
        "a position must see itself: hide only j > i and keep the diagonal",
    ),
    Variant(
        "zero_fill",
        _variant(fill=0.0),
        "hidden scores set to 0 still get weight e⁰ = 1 in the softmax: set them to -inf",
    ),
    Variant(
        "mask_after_softmax",
        _variant(mask_after=True),
        "masking after the softmax leaves rows that do not sum to 1: set hidden scores to "
        "-inf first, then take the softmax",
    ),
]


def observe(got: Named, expected: Named, case: Case) -> list[str]:
    weights, out = dict(got)["weights"], dict(got)["out"]
    want_weights, want_out = dict(expected)["weights"], dict(expected)["out"]
    if weights.shape == want_out.shape and out.shape == want_weights.shape:
        return ["out and weights look swapped: return (out, weights), in that order"]
    if weights.shape != want_weights.shape:
        return []
    facts = []
    sums = weights.double().sum(dim=-1)
    off = (sums - 1).abs() > 1e-3
    if off.any():
        where = off.nonzero()[0].tolist()
        row = f"row {where[-1]}" if len(where) == 1 else f"row {index(where)}"
        facts.append(f"weights {row} sums to {sums[tuple(where)].item():.4g}, not 1")
    T = weights.shape[-1]
    if case.args[3] and T > 1:
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        leaks = (weights.abs() > 1e-6) & future
        if leaks.any():
            where = leaks.nonzero()[0].tolist()
            facts.append(
                f"weights{index(where)} is {weights[tuple(where)].item():.3g}: query "
                f"{where[-2]} looks at key {where[-1]}, a later position"
            )
    return facts
