"""The pieces of "Let's build GPT", with the lecture's class and attribute names.

Each piece is what the lecture writes, with its sizes passed in instead of read from globals:

    Head:               k = x Wk, q = x Wq, v = x Wv       (bias-free linears, head_size wide)
                        wei = softmax(mask(q kᵀ / √head_size))   (the future masked to −∞)
                        out = dropout(wei) v
    MultiHeadAttention: out = dropout(proj(concat(head_1(x), ..., head_h(x))))
    FeedForward:        out = dropout(W2 relu(W1 x + b1) + b2)    (W1 is 4x wider than x)
    LayerNorm:          out = gamma (x − mean(x)) / √(var(x) + eps) + beta   (over the features)
    Block:              x = x + sa(ln1(x));  x = x + ffwd(ln2(x))         (pre-norm residuals)

A piece that holds another receives its class (`head=`, `attention=`, ...), so a learner's own
`Head` can sit inside the engine's `MultiHeadAttention` and the other way round: that is how
`engine.ladder` builds a rung from the learner's classes and the reference for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F


class Head(nn.Module):
    """One head of causal self-attention."""

    def __init__(self, n_embd: int, head_size: int, block_size: int, dropout: float = 0.0):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        k = self.key(x)  # (B, T, hs)
        q = self.query(x)  # (B, T, hs)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5  # (B, T, T)
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)  # over the keys: each row sums to 1
        wei = self.dropout(wei)
        v = self.value(x)  # (B, T, hs)
        return wei @ v  # (B, T, hs)


class MultiHeadAttention(nn.Module):
    """Several heads side by side, their outputs joined and projected back to n_embd."""

    def __init__(
        self,
        n_embd: int,
        num_heads: int,
        head_size: int,
        block_size: int,
        dropout: float = 0.0,
        head: Callable[..., nn.Module] = Head,
    ):
        super().__init__()
        self.heads = nn.ModuleList(
            [head(n_embd, head_size, block_size, dropout) for _ in range(num_heads)]
        )
        self.proj = nn.Linear(head_size * num_heads, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat([h(x) for h in self.heads], dim=-1)  # (B, T, num_heads * hs)
        return self.dropout(self.proj(out))


class FeedForward(nn.Module):
    """A linear layer, a ReLU, and a linear layer back: each position thinks on its own."""

    def __init__(self, n_embd: int, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd),
            nn.ReLU(),
            nn.Linear(4 * n_embd, n_embd),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class LayerNorm(nn.Module):
    """The lecture's LayerNorm1d as a module: each position's features get mean 0 and variance
    1, then the learned gain `gamma` and shift `beta`. Same result as nn.LayerNorm(dim)."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xmean = x.mean(-1, keepdim=True)  # over the features of each position
        xvar = x.var(-1, keepdim=True, unbiased=False)
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        return self.gamma * xhat + self.beta


def no_norm(dim: int) -> nn.Module:
    """The rung before layer norm: blocks pass x through unchanged where ln1 and ln2 go."""
    return nn.Identity()


class Block(nn.Module):
    """Communication (attention) then computation (feed-forward), each added to x."""

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        block_size: int,
        dropout: float = 0.0,
        attention: Callable[..., nn.Module] = MultiHeadAttention,
        feed_forward: Callable[..., nn.Module] = FeedForward,
        norm: Callable[[int], nn.Module] = LayerNorm,
    ):
        super().__init__()
        head_size = n_embd // n_head
        self.sa = attention(n_embd, n_head, head_size, block_size, dropout)
        self.ffwd = feed_forward(n_embd, dropout)
        self.ln1 = norm(n_embd)
        self.ln2 = norm(n_embd)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x


@dataclass(frozen=True)
class Pieces:
    """The classes a rung is built from: the engine's, or a learner's in their place."""

    head: Callable[..., nn.Module] = Head
    multi_head: Callable[..., nn.Module] = MultiHeadAttention
    feed_forward: Callable[..., nn.Module] = FeedForward
    block: Callable[..., nn.Module] = Block
    layer_norm: Callable[..., nn.Module] = LayerNorm

    def theirs(self, used: tuple[str, ...]) -> list[str]:
        """Of the pieces named in `used`, those that are not the engine's own."""
        reference = Pieces()
        return [name for name in used if getattr(self, name) is not getattr(reference, name)]


PIECE_NAMES = tuple(f.name for f in fields(Pieces))
CLASS_NAMES = {
    "head": "Head",
    "multi_head": "MultiHeadAttention",
    "feed_forward": "FeedForward",
    "block": "Block",
    "layer_norm": "LayerNorm",
}
