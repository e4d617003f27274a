"""An encoder-decoder transformer, the shape of "Attention Is All You Need".

The GPT of `engine.gpt` is a decoder only: one sequence, each position reading the ones before
it. A translator reads one sequence and writes another, so this transformer has two stacks:

- the encoder reads the source words with self-attention and NO mask: every word sees every
  other word, before and after it (nothing is being predicted there, so nothing is hidden);
- the decoder writes the target one token at a time, like a GPT (causal self-attention over
  what it has written so far), and in every block it also asks the encoder: cross-attention,
  whose queries come from the decoder's positions and whose keys and values come from the
  encoder's output. A row of the cross-attention weights says which source words the decoder
  read while writing one output token: drawn as a heatmap, it is an alignment between the two
  sentences.

Blocks, MLPs and the decoder's causal self-attention are `engine.gpt`'s own; only the
cross-attention is new. It is sized for the number task of `engine.tasks.numbers` (its
markers, its context lengths); `engine.tasks.translator` trains it. torch only; nothing here
prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from engine.attention import AttentionStages, attention
from engine.errors import ConfigError
from engine.gpt import MLP, Block, CausalSelfAttention, GPTConfig, init_weights
from engine.positional import PositionalEncoding
from engine.tasks.numbers import END, PAD, SOURCE_BLOCK, START, TARGET_BLOCK


# -- vocabularies -------------------------------------------------------------------------
class Vocab:
    """Tokens and their ids, in a fixed order: the translator's source words and its target
    characters and markers. Not a tokenizer of `engine.data.text`: it maps tokens already
    split, has no unknown token (an unknown word is an error the learner reads) and no `<unk>`
    at id 0, so the shipped checkpoint's 30 and 13 ids stay as they are."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
            raise ConfigError("a vocabulary is a list of strings")
        self.tokens = tuple(tokens)
        self.ids = {token: i for i, token in enumerate(self.tokens)}
        if len(self.ids) != len(self.tokens) or not self.tokens:
            raise ConfigError("a vocabulary lists each token once, and at least one")

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens)"

    def encode(self, tokens: Sequence[str], what: str = "token") -> list[int]:
        for token in tokens:
            if token not in self.ids:
                shown = ", ".join(t for t in self.tokens if not t.startswith("<"))
                raise ConfigError(f"unknown {what} {token!r}: the vocabulary is {shown}")
        return [self.ids[token] for token in tokens]

    def decode(self, ids: Sequence[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]


# -- the model ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Seq2SeqConfig:
    source_vocab_size: int
    target_vocab_size: int
    source_block_size: int = SOURCE_BLOCK
    target_block_size: int = TARGET_BLOCK
    n_encoder_layer: int = 2
    n_decoder_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0
    bias: bool = False
    positional: str = "learned"

    def block_config(self, mask: str) -> GPTConfig:
        """The GPTConfig that `engine.gpt`'s Block, CausalSelfAttention and MLP read (only its
        widths, heads, dropout, bias and mask matter to them)."""
        return GPTConfig(
            vocab_size=self.target_vocab_size,
            block_size=max(self.source_block_size, self.target_block_size),
            n_layer=max(self.n_encoder_layer, self.n_decoder_layer),
            n_head=self.n_head,
            n_embd=self.n_embd,
            dropout=self.dropout,
            bias=self.bias,
            positional=self.positional,
            mask=mask,
        ).validate()

    def validate(self) -> Seq2SeqConfig:
        """Return self, or raise ConfigError saying in one line what is wrong."""
        for name in (
            "source_vocab_size",
            "target_vocab_size",
            "source_block_size",
            "target_block_size",
            "n_encoder_layer",
            "n_decoder_layer",
        ):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)!r}")
        self.block_config("none")  # n_head, n_embd, dropout, positional
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Seq2SeqConfig:
        return cls(**data).validate()


def _join_stages(parts: list[AttentionStages]) -> AttentionStages:
    """One AttentionStages from several calls on consecutive blocks of query rows."""
    names = ("scores", "scaled", "masked", "weights", "output")
    joined = {name: torch.cat([getattr(p, name) for p in parts], dim=-2) for name in names}
    return AttentionStages(**joined, empty_rows=[])  # with no mask, no row is ever empty


class CrossAttention(nn.Module):
    """The decoder reading the encoder: queries from the decoder's positions (`q_attn`), keys
    and values from the encoder's output, the "memory" (`kv_attn`). No mask: every output
    position may read every source word (what must stay hidden, the target's future, is hidden
    by the decoder's own causal self-attention)."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.q_attn = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.kv_attn = nn.Linear(config.n_embd, 2 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.dropout = config.dropout

    def forward(
        self, x: torch.Tensor, memory: torch.Tensor, capture: bool = False
    ) -> tuple[torch.Tensor, AttentionStages | None]:
        B, T, C = x.shape  # T target positions
        S = memory.size(1)  # S source words
        q = self.q_attn(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k, v = self.kv_attn(memory).split(self.n_embd, dim=2)
        k = k.view(B, S, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, S, self.n_head, C // self.n_head).transpose(1, 2)
        dropout = self.dropout if self.training else 0.0
        # engine.attention takes queries to be the last positions of the keys (a KV cache's
        # view) and refuses more queries than keys. Without a mask every query row is computed
        # on its own, so more target positions than source words are asked in blocks of S.
        parts = [
            attention(
                q[:, :, i : i + S], k, v, "scaled_dot", "none", capture=capture, dropout_p=dropout
            )
            for i in range(0, T, S)
        ]
        y = torch.cat([out for out, _ in parts], dim=2)
        stages = None
        if capture:
            stages = parts[0][1] if len(parts) == 1 else _join_stages([s for _, s in parts])
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y)), stages


class DecoderBlock(nn.Module):
    """A GPT block with cross-attention between its two halves: look back at what has been
    written (causal self-attention), read the source (cross-attention), then compute (MLP),
    each after a LayerNorm and added to the residual stream."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        causal = config.block_config("causal")
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(causal)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.cross = CrossAttention(config)
        self.ln_3 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(causal)

    def forward(
        self, x: torch.Tensor, memory: torch.Tensor, capture: bool = False
    ) -> tuple[torch.Tensor, AttentionStages | None, AttentionStages | None]:
        a, self_stages = self.attn(self.ln_1(x), capture=capture)
        x = x + a
        c, cross_stages = self.cross(self.ln_2(x), memory, capture)
        x = x + c
        x = x + self.mlp(self.ln_3(x))
        return x, self_stages, cross_stages


class Encoder(nn.Module):
    """Source words to one vector each: embeddings and positions, then GPT blocks whose
    self-attention has mask "none" (bidirectional), then a LayerNorm: the "memory"."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(config.source_vocab_size, config.n_embd)
        self.wpe = PositionalEncoding(config.positional, config.source_block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        bidirectional = config.block_config("none")
        self.h = nn.ModuleList(Block(bidirectional) for _ in range(config.n_encoder_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(
        self, src: torch.Tensor, capture: bool = False
    ) -> tuple[torch.Tensor, list[AttentionStages]]:
        pos = torch.arange(src.size(1), dtype=torch.long, device=src.device)
        x = self.drop(self.wte(src) + self.wpe(pos))
        stages = []
        for block in self.h:
            x, layer_stages = block(x, capture=capture)
            if layer_stages is not None:
                stages.append(layer_stages)
        return self.ln_f(x), stages


class Decoder(nn.Module):
    """Target tokens so far, and the encoder's memory, to one vector per position."""

    def __init__(self, config: Seq2SeqConfig) -> None:
        super().__init__()
        self.wte = nn.Embedding(config.target_vocab_size, config.n_embd)
        self.wpe = PositionalEncoding(config.positional, config.target_block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList(DecoderBlock(config) for _ in range(config.n_decoder_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, bias=config.bias)

    def forward(
        self, tgt: torch.Tensor, memory: torch.Tensor, capture: bool = False
    ) -> tuple[torch.Tensor, list[AttentionStages], list[AttentionStages]]:
        pos = torch.arange(tgt.size(1), dtype=torch.long, device=tgt.device)
        x = self.drop(self.wte(tgt) + self.wpe(pos))
        self_stages, cross_stages = [], []
        for block in self.h:
            x, s, c = block(x, memory, capture)
            if s is not None and c is not None:
                self_stages.append(s)
                cross_stages.append(c)
        return self.ln_f(x), self_stages, cross_stages


@dataclass
class Seq2SeqOutput:
    logits: torch.Tensor  # (B, T, target_vocab_size)
    loss: torch.Tensor | None  # mean cross-entropy over the targets that are not -100
    encoder: list[AttentionStages] = field(default_factory=list)  # per encoder layer
    decoder: list[AttentionStages] = field(default_factory=list)  # decoder self-attention
    cross: list[AttentionStages] = field(default_factory=list)  # per decoder layer


class Seq2Seq(nn.Module):
    """An encoder, a decoder and a head `lm_head` that shares its weights with the decoder's
    token embedding; it carries its two vocabularies, so it can translate text."""

    def __init__(self, config: Seq2SeqConfig, source_vocab: Vocab, target_vocab: Vocab) -> None:
        super().__init__()
        self.config = config.validate()
        if (len(source_vocab), len(target_vocab)) != (
            config.source_vocab_size,
            config.target_vocab_size,
        ):
            raise ConfigError("the vocabularies' sizes do not match the config")
        if not {PAD, START, END} <= set(target_vocab.tokens):
            raise ConfigError(f"the target vocabulary needs {PAD}, {START} and {END}")
        self.source_vocab, self.target_vocab = source_vocab, target_vocab
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.lm_head = nn.Linear(config.n_embd, config.target_vocab_size, bias=False)
        self.decoder.wte.weight = self.lm_head.weight  # weight tying, as in the GPT
        init_weights(self, config.n_encoder_layer + config.n_decoder_layer)

    def num_params(self) -> int:
        """Parameters, counting the tied embedding once."""
        return sum(p.numel() for p in self.parameters())

    def _check(self, ids: torch.Tensor, block: int, what: str) -> None:
        if ids.dim() != 2 or ids.size(1) < 1:
            raise ConfigError(f"{what} must be (batch, length) ids, got {tuple(ids.shape)}")
        if ids.size(1) > block:
            raise ConfigError(f"{ids.size(1)} {what} tokens do not fit a context of {block}")

    def encode(
        self, src: torch.Tensor, capture: bool = False
    ) -> tuple[torch.Tensor, list[AttentionStages]]:
        """(memory (B, S, n_embd), the encoder's attention stages per layer if captured)."""
        self._check(src, self.config.source_block_size, "source")
        return self.encoder(src, capture)

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, target_vocab_size) for the target tokens so far, given the memory."""
        self._check(tgt, self.config.target_block_size, "target")
        return self.lm_head(self.decoder(tgt, memory)[0])

    def forward(
        self,
        src: torch.Tensor,
        tgt: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        capture: bool = False,
    ) -> Seq2SeqOutput:
        """Logits for every target position: `src` (B, S) source ids, `tgt` (B, T) the target
        so far starting with the start marker; `targets` (B, T) the next token at each position
        (-100 where there is none)."""
        self._check(tgt, self.config.target_block_size, "target")
        memory, encoder_stages = self.encode(src, capture)
        x, self_stages, cross_stages = self.decoder(tgt, memory, capture)
        logits = self.lm_head(x)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100
            )
        return Seq2SeqOutput(logits, loss, encoder_stages, self_stages, cross_stages)


# -- greedy decoding ----------------------------------------------------------------------
@torch.no_grad()
def write_greedy(model: Seq2Seq, src: torch.Tensor) -> list[list[int]]:
    """Greedy decoding: each row's ids written after the start marker, up to and including the
    end marker, or as many as the target context holds."""
    memory, _ = model.encode(src)
    ids = model.target_vocab.ids
    tgt = torch.full((src.size(0), 1), ids[START], dtype=torch.long, device=src.device)
    ended = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
    while tgt.size(1) <= model.config.target_block_size and not ended.all():
        step = model.decode(tgt, memory)[:, -1].argmax(-1)  # the most likely next token
        step = step.masked_fill(ended, ids[PAD])
        ended |= step == ids[END]
        tgt = torch.cat((tgt, step.unsqueeze(1)), dim=1)
    rows = tgt[:, 1:].tolist()
    return [row[: row.index(ids[END]) + 1] if ids[END] in row else row for row in rows]


def greedy(model: Seq2Seq, src: torch.Tensor) -> list[list[int]]:
    """The most likely token at each step, from the start marker until the end marker (or the
    target context is full), for each row of `src` (B, S): the ids written, without the end
    marker."""
    end = model.target_vocab.ids[END]
    return [row[:-1] if row and row[-1] == end else row for row in write_greedy(model, src)]
