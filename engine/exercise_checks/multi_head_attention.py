"""Exercise `multi_head_attention`: nanoGPT's CausalSelfAttention written out by hand.

The reference is the engine's own `CausalSelfAttention` (no biases, no dropout) holding the
case's weights: `c_attn.weight` is w_qkvᵀ and `c_proj.weight` is w_projᵀ, since nn.Linear
computes x @ weightᵀ.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from engine.exercise_checks.common import Case, Named, Variant, as_tensor, gen, shape, switched
from engine.gpt import CausalSelfAttention, GPTConfig

FUNCTION = "multi_head_attention"
SIGNATURE = "multi_head_attention(x, w_qkv, w_proj, n_head) -> out"
ARG_NAMES = ("x", "w_qkv", "w_proj", "n_head")
SHAPE_ERROR_HINT = (
    "x is (B, T, C); x @ w_qkv is (B, T, 3C), split into q, k, v of (B, T, C); each is viewed "
    "as (B, T, n_head, hs) and transposed to (B, n_head, T, hs), hs = C // n_head"
)

# (B, T, C, n_head)
SHAPES = [(2, 5, 8, 2), (1, 4, 6, 3), (2, 7, 16, 4), (2, 1, 8, 4), (3, 6, 12, 1), (1, 9, 32, 8)]


def cases() -> list[Case]:
    out = []
    for seed, (B, T, C, n_head) in enumerate(SHAPES):
        g = gen(seed)
        x = torch.randn(B, T, C, generator=g)
        w_qkv = torch.randn(C, 3 * C, generator=g) / math.sqrt(C)
        w_proj = torch.randn(C, C, generator=g) / math.sqrt(C)
        label = f"x {shape(x)}, n_head = {n_head} (head size {C // n_head})"
        out.append(Case(label, (x, w_qkv, w_proj, n_head)))
    return out


@torch.no_grad()
def reference(x, w_qkv, w_proj, n_head) -> Any:
    B, T, C = x.shape
    config = GPTConfig(vocab_size=1, block_size=T, n_head=n_head, n_embd=C, bias=False)
    layer = CausalSelfAttention(config).eval()
    layer.c_attn.weight.copy_(w_qkv.T)
    layer.c_proj.weight.copy_(w_proj.T)
    return layer(x)[0]


def unpack(result: Any, case: Case) -> Named:
    return [("out", as_tensor(result, "out"))]


def _mha(
    x,
    w_qkv,
    w_proj,
    n_head,
    *,
    scale_c: bool = False,
    bad_split: bool = False,
    bad_merge: bool = False,
    proj: str = "yes",
    causal: bool = True,
    order: str = "qkv",
):
    B, T, C = x.shape
    hs = C // n_head
    parts = dict(zip(order, (x @ w_qkv).split(C, dim=-1)))
    q, k, v = parts["q"], parts["k"], parts["v"]

    def heads(t):
        if bad_split:
            return t.reshape(B, n_head, T, hs)
        return t.view(B, T, n_head, hs).transpose(1, 2)

    q, k, v = heads(q), heads(k), heads(v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(C if scale_c else hs)
    if causal:
        hidden = torch.ones(T, T, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(hidden, float("-inf"))
    y = torch.softmax(scores, dim=-1) @ v  # (B, n_head, T, hs)
    y = y.reshape(B, T, C) if bad_merge else y.transpose(1, 2).reshape(B, T, C)
    if proj == "no":
        return y
    return y @ (w_proj.T if proj == "transposed" else w_proj)


_variant = switched(_mha)

VARIANTS = [
    Variant(
        "wrong_scale",
        _variant(scale_c=True),
        "each head's scores are scaled by 1/√C: scale by 1/√(head size), hs = C // n_head, "
        "the size of the vectors the dot products are taken over",
    ),
    Variant(
        "bad_split",
        _variant(bad_split=True),
        "the heads are split wrongly: view q as (B, T, n_head, hs), then transpose(1, 2); "
        "reshaping (B, T, C) straight to (B, n_head, T, hs) mixes positions and heads",
    ),
    Variant(
        "bad_merge",
        _variant(bad_merge=True),
        "the heads are joined wrongly: y.transpose(1, 2) back to (B, T, n_head, hs) before "
        "reshaping to (B, T, C); without the transpose, positions and heads get mixed",
    ),
    Variant(
        "no_proj",
        _variant(proj="no"),
        "the output projection is missing: out = y @ w_proj after joining the heads",
    ),
    Variant(
        "proj_transposed",
        _variant(proj="transposed"),
        "w_proj is used transposed: out = y @ w_proj (input × output, like w_qkv)",
    ),
    Variant(
        "no_mask",
        _variant(causal=False),
        "nothing is masked: every head is causal, hiding keys j > i before the softmax",
    ),
    Variant(
        "kqv_order",
        _variant(order="kqv"),
        "q and k are swapped: x @ w_qkv splits into q, k, v in that order",
    ),
]
