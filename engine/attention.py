"""Attention: every query asks every key "how much do you match?", then averages the values.

    raw    = score(q, k)                 (..., Tq, Tk)  how similar each query is to each key
    scaled = raw, scaled as the variant says
    masked = scaled, with the cells a query may not look at set to -inf
    weights = softmax(masked, dim=-1)    each row: how much of each value to take (sums to 1)
    output = weights @ v                 (..., Tq, d_v)

`attention(..., capture=True)` returns every one of these stages, so a learner can look at
them; with the default score and a causal (or no) mask and no capture it calls PyTorch's fused
`scaled_dot_product_attention`, the same kernel nanoGPT trains with.

Scores (d = q.size(-1), the head size), to try what changes when the similarity changes:

- "scaled_dot": raw = q·kᵀ, scaled = raw / √d. The transformer's choice: dividing by √d keeps
  the scores' spread near 1 however large d is, so softmax does not saturate at the start.
- "dot": raw = q·kᵀ with no scaling; with large d the softmax turns nearly one-hot.
- "squared": raw = (q⊙q)·(k⊙k)ᵀ, scaled = raw / √d. Squaring each component first throws away
  the signs, so a query can no longer say "I want the opposite of this".
- "negated": raw = −q·kᵀ, scaled = raw / √d. Every preference flips: the best match becomes
  the worst. (A trained model can learn around it by flipping the sign of its queries.)
- "reversed": raw = q·(k with its d components in reverse order)ᵀ, scaled = raw / √d. Query
  component 0 meets key component d−1, and so on: still a learnable similarity, a different one.
- "cosine": raw = cos(q, k), q and k normalised to unit length first, so each score lies in
  [−1, 1]; scaled = raw · √d, a fixed temperature so the weights can still be peaked.

Masks (query i sits at absolute position p = Tk − Tq + i, key at position j):

- "causal": j <= p, each position sees itself and the past (the upper-right triangle is hidden).
- "anti_causal": j >= p, each position sees itself and the future (the lower-left is hidden).
- "none": every query sees every key.
- "window:K": p − K < j <= p, the last K positions including itself.
- a bool matrix M at least (Tk, Tk), e.g. (block_size, block_size): query p may see key j where
  M[p, j] is True.

A row whose mask hides every key has nothing to average: its weights and output are 0 (never
NaN), and `capture=True` lists it in `empty_rows`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.errors import ConfigError
from engine.variants import MASKS, SCORES

MaskSpec = str | torch.Tensor

COSINE_EPS = 1e-8  # the smallest length a vector is divided by when it is normalised
_WINDOW = re.compile(r"window:(.*)")


def check_score(name: str) -> str:
    """The score's name, or a ConfigError naming the choices."""
    if name not in SCORES:
        raise ConfigError(f"unknown score {name!r}: choose {', '.join(SCORES)}")
    return name


def _window_size(spec: str) -> int | None:
    """K of "window:K", or None if `spec` is not a window; ConfigError if K is not a whole
    number >= 1."""
    match = _WINDOW.fullmatch(spec)
    if match is None:
        return None
    k = match.group(1)
    if not (k.isascii() and k.isdigit()) or int(k) < 1:
        raise ConfigError(
            f"mask {spec!r}: the window size K must be a whole number >= 1, e.g. 'window:4'"
        )
    return int(k)


def check_mask(spec: MaskSpec) -> MaskSpec:
    """The mask, or a ConfigError saying what a mask may be."""
    if isinstance(spec, torch.Tensor):
        if spec.dtype != torch.bool:
            raise ConfigError(
                f"a custom mask must be a bool matrix (True = visible), got {spec.dtype}"
            )
        if spec.dim() != 2 or spec.size(0) != spec.size(1):
            raise ConfigError(
                f"a custom mask must be a square 2-D matrix, got shape {tuple(spec.shape)}"
            )
        return spec
    if not isinstance(spec, str):
        raise ConfigError(f"a mask is a name or a bool matrix, got {type(spec).__name__}")
    if spec in MASKS[:3] or _window_size(spec) is not None:
        return spec
    raise ConfigError(
        f"unknown mask {spec!r}: choose causal, anti_causal, none, window:K or a bool matrix"
    )


def scores(q: torch.Tensor, k: torch.Tensor, variant: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(raw, scaled) similarity of every query with every key:
    (..., Tq, d) x (..., Tk, d) -> (..., Tq, Tk)."""
    check_score(variant)
    if q.size(-1) != k.size(-1):
        raise ConfigError(f"queries have size {q.size(-1)} but keys have size {k.size(-1)}")
    d = q.size(-1)
    if variant in ("scaled_dot", "dot"):
        raw = q @ k.transpose(-2, -1)
    elif variant == "squared":
        raw = (q * q) @ (k * k).transpose(-2, -1)
    elif variant == "negated":
        raw = -(q @ k.transpose(-2, -1))
    elif variant == "reversed":
        raw = q @ k.flip(-1).transpose(-2, -1)
    else:  # cosine
        q_unit = F.normalize(q, dim=-1, eps=COSINE_EPS)
        k_unit = F.normalize(k, dim=-1, eps=COSINE_EPS)
        raw = q_unit @ k_unit.transpose(-2, -1)
        return raw, raw * math.sqrt(d)
    if variant == "dot":
        return raw, raw
    return raw, raw / math.sqrt(d)


def mask_matrix(
    spec: MaskSpec, Tq: int, Tk: int, device: torch.device | str | None = None
) -> torch.Tensor:
    """Bool (Tq, Tk), True where a query may attend to a key. Queries are the LAST Tq positions
    of the Tk keys (query i sits at absolute position Tk - Tq + i), which is what a key/value
    cache needs."""
    check_mask(spec)
    if Tq > Tk:
        raise ConfigError(
            f"{Tq} queries but only {Tk} keys: queries are the last positions of the keys"
        )
    if isinstance(spec, torch.Tensor):
        if spec.size(0) < Tk:
            raise ConfigError(
                f"the custom mask is {spec.size(0)}x{spec.size(1)} but {Tk} positions need "
                f"at least {Tk}x{Tk}"
            )
        return spec[Tk - Tq : Tk, :Tk].to(device)
    p = torch.arange(Tk - Tq, Tk, device=device).unsqueeze(1)  # (Tq, 1) the queries' positions
    j = torch.arange(Tk, device=device).unsqueeze(0)  # (1, Tk) the keys' positions
    if spec == "causal":
        return j <= p
    if spec == "anti_causal":
        return j >= p
    if spec == "none":
        return torch.ones(Tq, Tk, dtype=torch.bool, device=device)
    window = _window_size(spec)
    return (j > p - window) & (j <= p)


@dataclass
class AttentionStages:
    """Every intermediate of one attention call, for a learner to look at."""

    scores: torch.Tensor  # raw similarities (..., Tq, Tk)
    scaled: torch.Tensor  # raw, scaled as the score variant says
    masked: torch.Tensor  # scaled with hidden cells set to -inf
    weights: torch.Tensor  # softmax over the last dim (then dropout, if any); hidden cells 0
    output: torch.Tensor  # weights @ v   (..., Tq, d_v)
    empty_rows: list[int]  # query rows where the mask hides every key: weights and output 0


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    score: str = "scaled_dot",
    mask: MaskSpec = "causal",
    *,
    capture: bool = False,
    dropout_p: float = 0.0,
) -> tuple[torch.Tensor, AttentionStages | None]:
    """softmax(mask(score(q, k))) @ v for q (..., Tq, d), k (..., Tk, d), v (..., Tk, d_v).

    Returns (output (..., Tq, d_v), the stages if `capture` else None). `dropout_p` zeroes
    that fraction of the weights at random (and scales up the rest); pass 0 at eval.
    """
    check_score(score)
    check_mask(mask)
    if not 0.0 <= dropout_p <= 1.0:
        raise ConfigError(f"dropout must be between 0 and 1, got {dropout_p}")
    Tq, Tk = q.size(-2), k.size(-2)

    fused = score == "scaled_dot" and isinstance(mask, str) and mask in ("causal", "none")
    if fused and not capture:  # PyTorch's kernel: same numbers, much faster, no stages to show
        attn_mask, is_causal = None, False
        if mask == "causal" and Tq == Tk:
            is_causal = True
        elif mask == "causal" and Tq > 1:  # a block of new queries over a cache: explicit mask
            attn_mask = mask_matrix("causal", Tq, Tk, device=q.device)
        # causal with Tq == 1: the newest position sees every key, nothing to hide
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal
        )
        return out, None

    raw, scaled = scores(q, k, score)
    visible = mask_matrix(mask, Tq, Tk, device=q.device)  # (Tq, Tk), broadcast over batch/heads
    masked = scaled.masked_fill(~visible, float("-inf"))
    # a row with every key hidden is all -inf, and softmax of it is NaN (0/0), in the forward
    # pass and in the backward one: give softmax zeros there instead, then zero every hidden
    # cell, so such a row's weights are exactly 0 and its gradients finite
    has_key = visible.any(dim=-1, keepdim=True)  # (Tq, 1)
    weights = F.softmax(masked.masked_fill(~has_key, 0.0), dim=-1).masked_fill(~visible, 0.0)
    if dropout_p > 0:
        weights = F.dropout(weights, p=dropout_p, training=True)
    out = weights @ v
    if not capture:
        return out, None
    empty_rows = (~has_key).squeeze(-1).nonzero().flatten().tolist()
    return out, AttentionStages(raw, scaled, masked, weights, out, empty_rows)
