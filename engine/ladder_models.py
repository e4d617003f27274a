"""The lecture's models, one per rung, each the one before it plus one idea.

    1 BigramLanguageModel   logits = table[idx]                       (a row per character)
    2 SingleHeadModel       x = tok_emb(idx) + pos_emb(t);  logits = lm_head(sa_head(x))
    3 MultiHeadModel        the same with sa_heads, 4 heads of n_embd / 4
    4 FeedForwardModel      logits = lm_head(ffwd(sa_heads(x)))
    5-7 BlocksModel         logits = lm_head(ln_f(blocks(x))); blocks are Block with residuals,
                            with or without layer norm, with or without dropout

Every model returns (logits, loss) like the lecture's, and builds its pieces from `Pieces`, so
that a learner's classes can stand in for the engine's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import partial

import torch
from torch import nn
from torch.nn import functional as F

from engine.ladder_pieces import Pieces, no_norm


class LanguageModel(nn.Module, ABC):
    """What every rung shares: the loss and the context it can see."""

    block_size: int | None = None  # None: the bigram sees one character, any prompt length

    @abstractmethod
    def logits(self, idx: torch.Tensor) -> torch.Tensor:
        """(B, T, vocab_size) next-character scores for every position of `idx`."""

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        logits = self.logits(idx)  # (B, T, vocab_size)
        if targets is None:
            return logits, None
        B, T, C = logits.shape
        return logits, F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

    @torch.no_grad()
    def generate(
        self, idx: torch.Tensor, max_new_tokens: int, generator: torch.Generator
    ) -> torch.Tensor:
        """Draw `max_new_tokens` characters after `idx` (B, T), one at a time."""
        for _ in range(max_new_tokens):
            context = idx if self.block_size is None else idx[:, -self.block_size :]
            logits, _ = self(context)
            probs = F.softmax(logits[:, -1, :], dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, 1, generator=generator)), dim=1)
        return idx


class BigramLanguageModel(LanguageModel):
    """Rung 1: each character reads the next one's logits straight off its row of a table."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

    def logits(self, idx: torch.Tensor) -> torch.Tensor:
        return self.token_embedding_table(idx)


class _Embedded(LanguageModel):
    """Token and position embeddings in, a linear layer to the vocabulary out."""

    def __init__(self, vocab_size: int, n_embd: int, block_size: int):
        super().__init__()
        self.block_size = block_size
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)

    def embed(self, idx: torch.Tensor) -> torch.Tensor:
        T = idx.shape[1]
        tok_emb = self.token_embedding_table(idx)  # (B, T, n_embd)
        pos_emb = self.position_embedding_table(torch.arange(T, device=idx.device))  # (T, n_embd)
        return tok_emb + pos_emb


class SingleHeadModel(_Embedded):
    """Rung 2: positions, and one head of self-attention as wide as the embedding."""

    def __init__(self, vocab_size: int, n_embd: int, block_size: int, pieces: Pieces):
        super().__init__(vocab_size, n_embd, block_size)
        self.sa_head = pieces.head(n_embd, n_embd, block_size)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def logits(self, idx: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.sa_head(self.embed(idx)))


class MultiHeadModel(_Embedded):
    """Rung 3: four narrower heads looking for different things, joined."""

    def __init__(self, vocab_size: int, n_embd: int, block_size: int, n_head: int, pieces: Pieces):
        super().__init__(vocab_size, n_embd, block_size)
        head_size = n_embd // n_head
        self.sa_heads = pieces.multi_head(n_embd, n_head, head_size, block_size, head=pieces.head)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def logits(self, idx: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.sa_heads(self.embed(idx)))


class FeedForwardModel(MultiHeadModel):
    """Rung 4: after the tokens talk, each one thinks about what it heard."""

    def __init__(self, vocab_size: int, n_embd: int, block_size: int, n_head: int, pieces: Pieces):
        super().__init__(vocab_size, n_embd, block_size, n_head, pieces)
        self.ffwd = pieces.feed_forward(n_embd)

    def logits(self, idx: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.ffwd(self.sa_heads(self.embed(idx))))


class BlocksModel(_Embedded):
    """Rungs 5-7: blocks of attention and feed-forward, each added to a residual stream."""

    def __init__(
        self,
        vocab_size: int,
        n_embd: int,
        block_size: int,
        n_head: int,
        n_layer: int,
        pieces: Pieces,
        *,
        layer_norm: bool,
        dropout: float = 0.0,
    ):
        super().__init__(vocab_size, n_embd, block_size)
        norm = pieces.layer_norm if layer_norm else no_norm
        attention = partial(pieces.multi_head, head=pieces.head)
        self.blocks = nn.Sequential(
            *[
                pieces.block(
                    n_embd,
                    n_head,
                    block_size,
                    dropout,
                    attention=attention,
                    feed_forward=pieces.feed_forward,
                    norm=norm,
                )
                for _ in range(n_layer)
            ]
        )
        self.ln_f = norm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def logits(self, idx: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.ln_f(self.blocks(self.embed(idx))))
