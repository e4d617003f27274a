"""Where a token sits: the position vector added to each token's embedding.

Attention on its own treats its input as a *set*: shuffle the tokens and every output is
shuffled the same way, nothing else changes. A GPT tells "dog bites man" from "man bites dog"
only because each token's embedding has a vector for its position added to it:
`x = tok_emb(idx) + pos_emb(pos)`. Three choices, so a learner can compare them:

- "sinusoidal": the fixed table of "Attention Is All You Need". Each pair of columns is a
  sine and a cosine at its own wavelength, from 2π up to 10000·2π, so every position gets a
  distinct pattern and nearby positions get similar ones. Nothing is learned.
- "learned": nanoGPT's `wpe`, an `nn.Embedding(block_size, n_embd)`: one trained vector per
  position, starting from small random numbers.
- "none": all zeros, to see what a model without positions cannot do.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.errors import ConfigError
from engine.variants import POSITIONALS


def sinusoidal_table(block_size: int, d_model: int) -> torch.Tensor:
    """(block_size, d_model): PE(pos, 2i) = sin(pos / 10000^(2i/d_model)),
    PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model))."""
    # float64 for the angles, so large positions keep their precision; an odd d_model ends on a sin
    pos = torch.arange(block_size, dtype=torch.float64).unsqueeze(1)  # (block_size, 1)
    dim = torch.arange(d_model)  # column index: 2i for a sine, 2i + 1 for a cosine
    two_i = (dim - dim % 2).to(torch.float64)  # (d_model,) the 2i shared by each sin/cos pair
    angle = pos / 10000.0 ** (two_i / d_model)  # (block_size, d_model)
    table = torch.where(dim % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(torch.get_default_dtype())


class PositionalEncoding(nn.Module):
    """Maps positions (int64, any shape) to vectors (..., n_embd) of the chosen `kind`.

    The sinusoidal table is a non-persistent buffer: it moves with `.to(device)` but is not
    saved in checkpoints, since it can always be rebuilt from the formula.
    """

    def __init__(self, kind: str, block_size: int, n_embd: int) -> None:
        super().__init__()
        if kind not in POSITIONALS:
            raise ConfigError(f"unknown positional {kind!r}: choose {', '.join(POSITIONALS)}")
        if block_size < 1 or n_embd < 1:
            raise ConfigError(
                f"block_size and n_embd must be at least 1, got {block_size} and {n_embd}"
            )
        self.kind, self.block_size, self.n_embd = kind, block_size, n_embd
        if kind == "sinusoidal":
            self.register_buffer("table", sinusoidal_table(block_size, n_embd), persistent=False)
        elif kind == "learned":
            self.table = nn.Embedding(block_size, n_embd)
            nn.init.normal_(self.table.weight, mean=0.0, std=0.02)
        else:
            # holds no numbers; it is here so `.double()` / `.half()` set the dtype of the zeros
            self.register_buffer("_dtype_probe", torch.zeros(0), persistent=False)

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        """pos: int64 positions, e.g. (T,) = arange(T) -> (T, n_embd)."""
        if pos.dim() > 0 and pos.size(-1) > self.block_size:
            raise ConfigError(
                f"{pos.size(-1)} positions do not fit block_size {self.block_size}: "
                "crop the context to the last block_size tokens"
            )
        if self.kind == "sinusoidal":
            return self.table[pos]
        if self.kind == "learned":
            return self.table(pos)
        dtype = self._dtype_probe.dtype
        return torch.zeros(*pos.shape, self.n_embd, dtype=dtype, device=pos.device)

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, block_size={self.block_size}, n_embd={self.n_embd}"
