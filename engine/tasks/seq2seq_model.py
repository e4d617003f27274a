"""Translation with an encoder-decoder transformer: number words to digits.

    three hundred forty two  ->  342

The GPT of `engine.gpt` is a decoder only: one sequence, each position reading the ones before
it. A translator reads one sequence and writes another, so the transformer of "Attention Is All
You Need" has two stacks:

- the encoder reads the source words with self-attention and NO mask: every word sees every
  other word, before and after it (nothing is being predicted there, so nothing is hidden);
- the decoder writes the target one token at a time, like a GPT (causal self-attention over
  what it has written so far), and in every block it also asks the encoder: cross-attention,
  whose queries come from the decoder's positions and whose keys and values come from the
  encoder's output. A row of the cross-attention weights says which source words the decoder
  read while writing one output token: drawn as a heatmap, it is an alignment between the two
  sentences.

The task is generated: every number from 0 to 9999 in words ("two thousand nineteen",
"seven hundred five") and in digits. Source tokens are words (a 30-word vocabulary), target
tokens are characters (the ten digits, plus a start and an end marker and padding). About a
tenth of the numbers (and 342, the lesson's example) never appear in training; the held-out
exact-match accuracy is measured on them, so it measures composition ("forty two" seen in
142 and 2042, "three hundred" in 317 and 5300) rather than memory.

The encoder's words are never padded: each training batch holds numbers of one length in
words (bucketing), so no attention weight can fall on padding. Targets of different lengths
are padded after the end marker; the causal mask keeps that padding out of every prediction
that matters and the loss ignores it.

Blocks, MLPs and the decoder's causal self-attention are `engine.gpt`'s own; only the
cross-attention is new. torch and numpy only; nothing here prints.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engine import checkpoint
from engine.attention import AttentionStages, attention
from engine.errors import ConfigError
from engine.events import CheckpointSaved, Diverged, StepDone
from engine.gpt import MLP, Block, CausalSelfAttention, GPTConfig, init_weights
from engine.positional import POSITIONALS, PositionalEncoding
from engine.tasks.runner import pick, spec_digest, train_steps
from engine.train import TrainConfig

KIND = "seq2seq"
PRETRAINED = Path(__file__).parents[1] / "pretrained" / "numbers-seq2seq.pt"

# -- the task: numbers in words and in digits ---------------------------------------------
MAX_NUMBER = 9999
ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = ("hundred", "thousand")

PAD, START, END = "<pad>", "<s>", "</s>"
SOURCE_VOCAB = ONES + TENS[2:] + SCALES  # 30 words; sources are never padded
TARGET_VOCAB = (PAD, START, END, *"0123456789")
SOURCE_BLOCK = 6  # "seven thousand seven hundred seventy seven" is the longest
TARGET_BLOCK = 5  # the start marker and four digits in; four digits and the end marker out

SPLITS = ("train", "heldout")
EXAMPLE = 342  # the lesson's example, held out so the model shown has never seen it
HELDOUT_SIZE = 400  # held-out numbers the accuracy is measured on while training

MODEL = dict(n_encoder_layer=2, n_decoder_layer=2, n_head=4, n_embd=64, dropout=0.0)
TRAIN = dict(
    max_iters=1500,
    batch_size=64,
    learning_rate=3e-3,
    min_lr=3e-4,
    warmup_iters=100,
    weight_decay=0.1,
    eval_interval=250,
    sample_interval=0,
)


def number_words(n: int) -> str:
    """`n` (0..9999) in words: 342 -> "three hundred forty two", 2019 -> "two thousand
    nineteen", 1100 -> "one thousand one hundred"."""
    if not isinstance(n, int) or not 0 <= n <= MAX_NUMBER:
        raise ConfigError(f"numbers go from 0 to {MAX_NUMBER}, got {n!r}")
    if n == 0:
        return "zero"
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    words = []
    if thousands:
        words += [ONES[thousands], "thousand"]
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(TENS[rest // 10])
        if rest % 10:
            words.append(ONES[rest % 10])
    elif rest:
        words.append(ONES[rest])
    return " ".join(words)


def source_tokens(text: str) -> list[str]:
    """The words of `text` as the encoder reads them: lower case, hyphens and commas as spaces,
    "and" dropped ("Three hundred and forty-two" -> three hundred forty two)."""
    words = text.lower().replace("-", " ").replace(",", " ").split()
    return [w for w in words if w != "and"]


def is_heldout(n: int) -> bool:
    """Whether `n` is held out: 342, and the numbers whose sha256 (of the decimal string) is
    0 mod 10, about a tenth; never 0, the only number with the word "zero"."""
    digest = int(hashlib.sha256(str(n).encode("ascii")).hexdigest()[:8], 16)
    return n == EXAMPLE or (n != 0 and digest % 10 == 0)


HELDOUT = tuple(n for n in range(MAX_NUMBER + 1) if is_heldout(n))
_HELDOUT_SET = frozenset(HELDOUT)


def numbers(split: str) -> list[int]:
    """Every number of a split, in increasing order."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}: choose {', '.join(SPLITS)}")
    held = split == "heldout"
    return [n for n in range(MAX_NUMBER + 1) if (n in _HELDOUT_SET) == held]


def sample(split: str, n: int, seed: int = 0) -> list[int]:
    """`n` different numbers of a split, drawn at random (the same ones for the same seed)."""
    pool = numbers(split)
    if not 0 <= n <= len(pool):
        raise ConfigError(f"the {split} split has {len(pool)} numbers, cannot draw {n}")
    rng = random.Random(seed)
    for i in range(n):  # the first n steps of a Fisher-Yates shuffle
        j = i + min(len(pool) - i - 1, int(rng.random() * (len(pool) - i)))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:n]


def _by_length(split: str) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for n in numbers(split):
        groups.setdefault(len(number_words(n).split()), []).append(n)
    return groups


def training_batch(rng: random.Random, size: int, split: str = "train") -> list[int]:
    """`size` numbers of one length in words (so the sources need no padding), drawn at random
    from that length's numbers. A length comes up in proportion to the square root of how many
    numbers have it. In proportion to the count itself, the 26 one-word training numbers would
    fill one batch in 347 and the 80 two-word ones one in 113: after 1500 steps such a model
    still wrote "3" for "zero" and "2" for "twenty one". With the square root they fill one
    batch in 37 and one in 21, and the six-word numbers (58% of them) still one in 2.6."""
    groups = _GROUPS[split]
    lengths = sorted(groups)
    weights = [math.sqrt(len(groups[length])) for length in lengths]
    draw, length = rng.random() * sum(weights), lengths[-1]
    for candidate, weight in zip(lengths, weights):
        if draw < weight:
            length = candidate
            break
        draw -= weight
    return [pick(rng, groups[length]) for _ in range(size)]


_GROUPS = {split: _by_length(split) for split in SPLITS}


def task_digest() -> str:
    """sha256 of everything that defines the task and its split: a checkpoint's "task"."""
    spec = {
        "ones": ONES,
        "tens": TENS,
        "scales": SCALES,
        "source_vocab": SOURCE_VOCAB,
        "target_vocab": TARGET_VOCAB,
        "heldout": HELDOUT,
    }
    return spec_digest(spec)


def task_source() -> str:
    return (
        f"generated numbers 0..{MAX_NUMBER} in words and digits "
        f"({len(HELDOUT)} held out, {EXAMPLE} among them)"
    )


# -- vocabularies -------------------------------------------------------------------------
class Vocab:
    """Tokens and their ids, in a fixed order."""

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
        if self.positional not in POSITIONALS:
            raise ConfigError(
                f"unknown positional {self.positional!r}: choose {', '.join(POSITIONALS)}"
            )
        self.block_config("none")  # n_head, n_embd, dropout
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


def new_model(**overrides: Any) -> Seq2Seq:
    """A fresh translator for this task: `MODEL`'s sizes, with any Seq2SeqConfig field
    overridden."""
    config = Seq2SeqConfig(
        source_vocab_size=len(SOURCE_VOCAB),
        target_vocab_size=len(TARGET_VOCAB),
        **{**MODEL, **overrides},
    )
    return Seq2Seq(config, Vocab(SOURCE_VOCAB), Vocab(TARGET_VOCAB))


# -- batches, decoding and translation ----------------------------------------------------
def encode_batch(
    model: Seq2Seq, batch: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(src (B, S), tgt (B, T), targets (B, T)) for numbers of one length in words: the words;
    the start marker and the digits, padded; the digits and the end marker, -100 after it."""
    sources = [number_words(n).split() for n in batch]
    if len({len(s) for s in sources}) != 1:
        raise ConfigError("a batch holds numbers of one length in words (sources are unpadded)")
    src = torch.tensor([model.source_vocab.encode(s, "word") for s in sources])
    digits = [model.target_vocab.encode(list(str(n)), "digit") for n in batch]
    length = max(len(d) for d in digits) + 1
    ids = model.target_vocab.ids
    tgt = torch.full((len(batch), length), ids[PAD], dtype=torch.long)
    targets = torch.full((len(batch), length), -100, dtype=torch.long)
    for row, d in enumerate(digits):
        tgt[row, : len(d) + 1] = torch.tensor([ids[START], *d])
        targets[row, : len(d) + 1] = torch.tensor([*d, ids[END]])
    return src, tgt, targets


@torch.no_grad()
def _written(model: Seq2Seq, src: torch.Tensor) -> list[list[int]]:
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
    return [row[:-1] if row and row[-1] == end else row for row in _written(model, src)]


def _source_ids(model: Seq2Seq, text: str) -> tuple[list[str], torch.Tensor]:
    words = source_tokens(text)
    if not words:
        raise ConfigError("nothing to translate: give a number in words, e.g. 'forty two'")
    if len(words) > model.config.source_block_size:
        raise ConfigError(
            f"{len(words)} words do not fit the source context of {model.config.source_block_size}"
        )
    return words, torch.tensor([model.source_vocab.encode(words, "word")])


def translate(model: Seq2Seq, text: str) -> str:
    """Greedy translation: "three hundred forty two" -> "342"."""
    _, src = _source_ids(model, text)
    return "".join(model.target_vocab.decode(greedy(model, src)[0]))


@torch.no_grad()
def cross_attention(model: Seq2Seq, text: str) -> tuple[list[str], list[str], np.ndarray]:
    """(source tokens, target tokens, weights (layers, heads, T_out, T_in)) for the greedy
    translation of `text`. Row t of the weights is the query that wrote target token t (its
    input is the token before it), so each row shows which source words were read to write
    that token; the target tokens end with the end marker when the model wrote one. Every row
    sums to 1."""
    words, src = _source_ids(model, text)
    written = _written(model, src)[0]
    tgt = torch.tensor([[model.target_vocab.ids[START], *written[:-1]]])
    out = model(src, tgt, capture=True)
    weights = torch.stack([stages.weights[0] for stages in out.cross])
    return words, model.target_vocab.decode(written), weights.float().numpy()


@dataclass(frozen=True)
class Aligned:
    """One output token and the source word it attends to most (the last layer's cross-attention
    averaged over heads)."""

    token: str
    source_index: int
    source_word: str
    weight: float


def alignment(model: Seq2Seq, text: str, layer: int = -1) -> list[Aligned]:
    """For each digit of the translation (not the end marker), the source word that the
    cross-attention of `layer` (the last by default), averaged over its heads, weighs most."""
    words, targets, weights = cross_attention(model, text)
    mean = weights[layer].mean(axis=0)  # (T_out, T_in)
    out = []
    for row, token in enumerate(targets):
        if token == END:
            break
        best = int(mean[row].argmax())
        out.append(Aligned(token, best, words[best], float(mean[row, best])))
    return out


# -- training -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TranslateEval:
    """Loss on fixed training numbers; loss and exact-match accuracy on the held-out ones."""

    step: int
    train_loss: float
    heldout_loss: float
    heldout_accuracy: float


@dataclass
class TranslatorTrained:
    """The last event of a run: the trained model and how well it translates."""

    model: Seq2Seq
    seed: int
    step: int
    heldout_accuracy: float
    seconds: float
    history: list[TranslateEval] = field(default_factory=list)


def _groups(batch: Sequence[int]) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for n in batch:
        groups.setdefault(len(number_words(n).split()), []).append(n)
    return [groups[length] for length in sorted(groups)]


@torch.no_grad()
def evaluate(model: Seq2Seq, batch: Sequence[int]) -> tuple[float, float]:
    """(mean loss per target token with teacher forcing, fraction of numbers whose greedy
    translation is exactly right)."""
    was_training = model.training
    model.eval()
    loss_sum, tokens, right = 0.0, 0, 0
    for group in _groups(batch):
        src, tgt, targets = encode_batch(model, group)
        count = int((targets != -100).sum())
        loss_sum += float(model(src, tgt, targets).loss) * count
        tokens += count
        for n, ids in zip(group, greedy(model, src)):
            right += "".join(model.target_vocab.decode(ids)) == str(n)
    model.train(was_training)
    return loss_sum / max(tokens, 1), right / max(len(batch), 1)


def heldout_accuracy(model: Seq2Seq, n: int = HELDOUT_SIZE, seed: int = 0) -> float:
    """Exact-match accuracy on `n` held-out numbers (never seen in training)."""
    return evaluate(model, sample("heldout", n, seed))[1]


def train_translator(
    seed: int = 0,
    steps: int | None = None,
    *,
    model: dict[str, Any] | None = None,
    train: dict[str, Any] | None = None,
    heldout_size: int = HELDOUT_SIZE,
) -> Iterator[StepDone | TranslateEval | Diverged | TranslatorTrained]:
    """Train a translator from number words to digits, yielding StepDone after every step, a
    TranslateEval every `eval_interval` steps and at the end, then one TranslatorTrained (or a
    Diverged, and nothing more). `model` and `train` override `MODEL` and `TRAIN`
    (Seq2SeqConfig and TrainConfig fields); `steps` overrides max_iters. The same seed gives
    the same run."""
    train = {**TRAIN, **(train or {}), "seed": seed}
    if steps is not None:
        train["max_iters"] = steps
    cfg = TrainConfig(**train).validate()
    torch.manual_seed(seed)
    net = new_model(**(model or {}))
    rng = random.Random(seed + 1)
    fixed_train = sample("train", heldout_size, seed=seed + 2)
    fixed_heldout = sample("heldout", heldout_size, seed=0)
    history: list[TranslateEval] = []

    def step_loss() -> tuple[torch.Tensor, int]:
        src, tgt, targets = encode_batch(net, training_batch(rng, cfg.batch_size))
        return net(src, tgt, targets).loss, int((targets != -100).sum())

    def evaluated(step: int) -> TranslateEval:
        train_loss, _ = evaluate(net, fixed_train)
        heldout_loss, accuracy = evaluate(net, fixed_heldout)
        history.append(TranslateEval(step, train_loss, heldout_loss, accuracy))
        return history[-1]

    began = time.perf_counter()
    explode = 3 * math.log(net.config.target_vocab_size) + 1
    for event in train_steps(net, cfg, step_loss, evaluated, explode):
        yield event
        if isinstance(event, Diverged):
            return
    yield TranslatorTrained(
        net, seed, cfg.max_iters, history[-1].heldout_accuracy, time.perf_counter() - began, history
    )


# -- checkpoints --------------------------------------------------------------------------
def save_translator(path: str | Path, trained: TranslatorTrained) -> CheckpointSaved:
    """Write a "seq2seq" checkpoint atomically: the config, the weights in half precision, both
    vocabularies, the task's digest, and the run's seed and figures (no optimiser)."""
    model = trained.model
    payload = {
        "model_config": model.config.to_dict(),
        "model": {k: v.half() for k, v in model.state_dict().items()},
        "source_vocab": list(model.source_vocab.tokens),
        "target_vocab": list(model.target_vocab.tokens),
        "task": {"source": task_source(), "sha256": task_digest()},
        "step": trained.step,
        "run": {
            "seed": trained.seed,
            "heldout_accuracy": trained.heldout_accuracy,
            "seconds": trained.seconds,
            "evaluations": [asdict(e) for e in trained.history],
        },
    }
    return CheckpointSaved(checkpoint.save(path, KIND, payload))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """A seq2seq checkpoint's contents, with its config and vocabularies checked."""
    data = checkpoint.load(path, KIND)
    try:
        config = Seq2SeqConfig.from_dict(data["model_config"])
        source, target = Vocab(data["source_vocab"]), Vocab(data["target_vocab"])
        data["model"], data["step"]  # noqa: B018 - must be present
        if (len(source), len(target)) != (config.source_vocab_size, config.target_vocab_size):
            raise ConfigError("its vocabularies do not match its config")
    except (KeyError, TypeError, ConfigError) as exc:
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise checkpoint.CheckpointError(f"{path}: damaged seq2seq checkpoint ({reason})") from None
    return data


def load_translator(path: str | Path = PRETRAINED, device: str = "cpu") -> Seq2Seq:
    """A trained translator (in eval mode), from a file `save_translator` wrote."""
    data = load_checkpoint(path)
    try:
        model = Seq2Seq(
            Seq2SeqConfig.from_dict(data["model_config"]),
            Vocab(data["source_vocab"]),
            Vocab(data["target_vocab"]),
        )
        model.load_state_dict(data["model"])
    except (RuntimeError, ConfigError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise checkpoint.CheckpointError(
            f"{path}: weights do not fit its config ({first})"
        ) from None
    return model.to(device).eval()
