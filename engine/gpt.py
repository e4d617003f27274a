"""A small GPT (a decoder-only transformer) whose every part can be switched and looked into.

The shape is nanoGPT's: token embedding `wte` plus a positional encoding `wpe`, `n_layer`
pre-LayerNorm blocks of multi-head self-attention and an MLP, a final LayerNorm and a head
`lm_head` that shares its weights with `wte`. What a learner asks about is a config field:
the attention `score` and `mask` (see `engine.attention`), the `positional` encoding, and
whether blocks add their `residual` connection. `forward(..., capture=True)` returns every
attention stage of every layer and head; a `KVCache` makes generation cost per token
independent of how much came before.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from engine.attention import AttentionStages, attention, check_mask, check_score
from engine.errors import ConfigError
from engine.positional import PositionalEncoding
from engine.variants import POSITIONALS, STANDARD


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    block_size: int = 64
    n_layer: int = 4
    n_head: int = STANDARD["n_head"]
    n_embd: int = 128
    dropout: float = STANDARD["dropout"]
    bias: bool = False
    positional: str = STANDARD["positional"]
    score: str = STANDARD["score"]
    mask: str | tuple[tuple[bool, ...], ...] = STANDARD["mask"]  # a name, or a custom matrix
    residual: bool = STANDARD["residual"]

    def validate(self) -> GPTConfig:
        """Return self, or raise ConfigError saying in one line what is wrong."""
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_embd {self.n_embd} is not divisible by n_head {self.n_head}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.positional not in POSITIONALS:
            raise ConfigError(
                f"unknown positional {self.positional!r}: choose {', '.join(POSITIONALS)}"
            )
        check_score(self.score)
        check_mask(self.mask_spec())
        return self

    def mask_spec(self) -> str | torch.Tensor:
        """The mask as `engine.attention` takes it: a name or a bool (T, T) matrix."""
        if isinstance(self.mask, str):
            return self.mask
        matrix = torch.tensor(self.mask, dtype=torch.bool)
        if matrix.shape != (self.block_size, self.block_size):
            raise ConfigError(
                f"a custom mask must be {self.block_size}x{self.block_size} "
                f"(block_size), got {'x'.join(map(str, matrix.shape))}"
            )
        return matrix

    def to_dict(self) -> dict:
        data = asdict(self)
        if not isinstance(self.mask, str):
            data["mask"] = [list(row) for row in self.mask]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> GPTConfig:
        mask = data.get("mask", "causal")
        if not isinstance(mask, str):
            mask = tuple(tuple(bool(v) for v in row) for row in mask)
        return cls(**{**data, "mask": mask}).validate()


@dataclass
class KVCache:
    """Each layer's keys and values for the positions seen so far, (B, n_head, T, head_size)."""

    keys: list[torch.Tensor | None] = field(default_factory=list)
    values: list[torch.Tensor | None] = field(default_factory=list)

    @property
    def length(self) -> int:
        return 0 if not self.keys or self.keys[0] is None else self.keys[0].shape[2]


@dataclass
class GPTOutput:
    logits: torch.Tensor  # (B, T, vocab_size)
    loss: torch.Tensor | None  # mean cross-entropy against the targets, if given
    stages: list[AttentionStages] = field(default_factory=list)  # per layer, if captured


class CausalSelfAttention(nn.Module):
    """n_head heads of attention computed at once; queries, keys and values come from one
    linear map `c_attn`, the heads' outputs are joined and mixed by `c_proj`."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.dropout = config.dropout
        self.score = config.score
        self.mask: str | torch.Tensor = config.mask_spec()  # a custom matrix moves with q

    def forward(
        self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0, capture: bool = False
    ) -> tuple[torch.Tensor, AttentionStages | None]:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, n_head, T, head_size): each head attends on its own slice
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if cache is not None:
            past_k, past_v = cache.keys[layer], cache.values[layer]
            if past_k is not None:
                k, v = torch.cat((past_k, k), dim=2), torch.cat((past_v, v), dim=2)
            cache.keys[layer], cache.values[layer] = k, v
        y, stages = attention(
            q,
            k,
            v,
            self.score,
            self.mask,
            capture=capture,
            dropout_p=self.dropout if self.training else 0.0,
        )
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y)), stages


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Communication (attention) then computation (MLP), each after a LayerNorm and, unless
    switched off, added to the residual stream rather than replacing it."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)
        self.residual = config.residual

    def forward(
        self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0, capture: bool = False
    ) -> tuple[torch.Tensor, AttentionStages | None]:
        a, stages = self.attn(self.ln_1(x), cache, layer, capture)
        x = x + a if self.residual else a
        m = self.mlp(self.ln_2(x))
        return (x + m if self.residual else m), stages


def init_weights(model: nn.Module, n_layer: int) -> None:
    """GPT-2's initialisation: N(0, 0.02) for linear and embedding weights, zero biases, and
    the residual projections (c_proj) shrunk by 1/sqrt(2 * n_layer) so the stream's variance
    does not grow with depth."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    for name, p in model.named_parameters():
        if name.endswith("c_proj.weight"):
            nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config.validate()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = PositionalEncoding(config.positional, config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying: one matrix reads and writes tokens
        init_weights(self, config.n_layer)

    def num_params(self) -> int:
        """Parameters, counting the tied embedding once."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        cache: KVCache | None = None,
        capture: bool = False,
    ) -> GPTOutput:
        """Logits for every position of `idx` (B, T); with `cache`, `idx` continues the
        sequence the cache has seen, and the cache grows by T positions."""
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        if start + T > self.config.block_size:
            raise ConfigError(
                f"sequence of {start + T} tokens is longer than the context "
                f"length (block_size) {self.config.block_size}"
            )
        if cache is not None and not cache.keys:
            cache.keys = [None] * self.config.n_layer
            cache.values = [None] * self.config.n_layer
        pos = torch.arange(start, start + T, dtype=torch.long, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        stages: list[AttentionStages] = []
        for layer, block in enumerate(self.h):
            x, layer_stages = block(x, cache, layer, capture)
            if layer_stages is not None:
                stages.append(layer_stages)
        logits = self.lm_head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return GPTOutput(logits, loss, stages)
