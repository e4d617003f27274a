"""Heads that copy: an attention-only transformer learns induction heads, and we watch.

Data (made on the fly): T random tokens in which a random stretch of L tokens, starting at a,
appears again at a random b ≥ a + L, so that from position i = b + k of the copy the next
token is the one after the earlier copy, x[a + k + 1]. A fixed b would let one layer find the
answer by position alone; a random one leaves only one way: look for the earlier copy of the
current token and read the token after it. The loss counts only those predictable positions.

A two-layer model does it with two heads working together (Elhage et al. 2021; Olsson et al.
2022): in layer 1 a *previous-token* head writes into each position which token came before
it; in layer 2 an *induction* head matches the current token against those and attends to
the position just after the earlier copy. One layer cannot: its keys know only their own
token and position. Per head, on fixed held-out sequences:

    previous-token score  = mean over i of  weight(i → i − 1)
    induction score       = mean over copied i = b + k of  weight(i → a + k + 1)
    self score            = mean over i of  weight(i → i)

`train` yields InductionEval events (the loss on the copied tokens and every head's scores)
and ends with InductionTrained; the jump in the loss and the rise of the induction score come
together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engine.errors import ConfigError
from engine.events import HeadScores, InductionEval, InductionStarted, InductionTrained

VOCAB, LENGTH, N_EMBD, N_HEAD = 64, 32, 64, 4
BATCH, LR, EVAL_EVERY, EVAL_SEQUENCES = 32, 1e-3, 25, 256
MIN_REPEAT = 4
FELL_BELOW = 1.5  # the copied tokens' loss "has jumped" once it is below this
INDUCTION_HEAD = 0.5  # a head whose induction score passes this copies


@dataclass(frozen=True)
class Repeats:
    """A batch of sequences with a copied stretch: inputs, targets, which targets count, and
    for each counted position i the position the induction head should read, a + k + 1."""

    x: torch.Tensor  # (B, T) token ids
    y: torch.Tensor  # (B, T) the next token at each position
    copied: torch.Tensor  # (B, T) bool: y is predictable from the earlier copy
    source: torch.Tensor  # (B, T) long: where the answer sits for a copied i (else 0)


def repeats(batch: int, length: int, vocab: int, generator: torch.Generator) -> Repeats:
    """`batch` sequences of `length` random tokens, each with one stretch copied later on."""
    tokens = torch.randint(vocab, (batch, length + 1), generator=generator)
    copied = torch.zeros(batch, length, dtype=torch.bool)
    source = torch.zeros(batch, length, dtype=torch.long)

    def draw(lo: int, hi: int) -> int:  # inclusive
        return int(torch.randint(lo, hi + 1, (1,), generator=generator))

    for row in range(batch):
        n = draw(MIN_REPEAT, (length + 1) // 2)  # the stretch's length
        a = draw(0, length + 1 - 2 * n)
        b = draw(a + n, length + 1 - n)
        tokens[row, b : b + n] = tokens[row, a : a + n]
        for k in range(n - 1):  # position b + k predicts b + k + 1, a copy of a + k + 1
            copied[row, b + k] = True
            source[row, b + k] = a + k + 1
    return Repeats(tokens[:, :-1], tokens[:, 1:], copied, source)


class Attention(nn.Module):
    """Causal multi-head self-attention that also returns its weights (B, H, T, T)."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.proj = nn.Linear(n_embd, n_embd, bias=False)

    def forward(
        self, x: torch.Tensor, off: frozenset[int] = frozenset()
    ) -> tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        q, k, v = (
            t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            for t in self.qkv(x).split(C, dim=2)
        )
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // self.n_head)
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        weights = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
        y = weights @ v  # (B, H, T, hs)
        for head in off:  # ablation: this head's output is zeroed before the projection
            y[:, head] = 0.0
        return self.proj(y.transpose(1, 2).reshape(B, T, C)), weights


class AttentionOnly(nn.Module):
    """Token and position embeddings, `n_layer` residual attention layers, no MLP."""

    def __init__(self, n_layer: int, vocab: int = VOCAB, length: int = LENGTH) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, N_EMBD)
        self.pos = nn.Embedding(length, N_EMBD)
        self.norms = nn.ModuleList(nn.LayerNorm(N_EMBD) for _ in range(n_layer))
        self.layers = nn.ModuleList(Attention(N_EMBD, N_HEAD) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(N_EMBD)
        self.unembed = nn.Linear(N_EMBD, vocab, bias=False)

    def forward(
        self, idx: torch.Tensor, off: frozenset[tuple[int, int]] = frozenset()
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits (B, T, vocab) and each layer's attention weights; `off` holds the
        (layer, head) pairs switched off."""
        T = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        weights = []
        for layer, (norm, attention) in enumerate(zip(self.norms, self.layers)):
            heads = frozenset(h for lay, h in off if lay == layer)
            out, w = attention(norm(x), heads)
            x = x + out
            weights.append(w)
        return self.unembed(self.ln_f(x)), weights


def copied_loss(logits: torch.Tensor, data: Repeats) -> torch.Tensor:
    """Cross-entropy on the copied positions only: the ones a copying head can predict."""
    return F.cross_entropy(logits[data.copied], data.y[data.copied])


def head_scores(
    weights: list[torch.Tensor], copied: torch.Tensor, source: torch.Tensor
) -> list[HeadScores]:
    """Every head's previous-token, induction and self score from each layer's weights
    (B, H, T, T): the induction score at the `copied` positions (B, T) reads the weight on
    `source` (B, T), where the answer sits. engine.inside scores a trained GPT with it too."""
    T = copied.shape[1]
    rows = torch.arange(T)
    b, i = copied.nonzero(as_tuple=True)
    out = []
    for layer, w in enumerate(weights):
        previous = w[:, :, rows[1:], rows[1:] - 1].mean(dim=(0, 2))
        diagonal = w[:, :, rows, rows].mean(dim=(0, 2))
        induction = w[b, :, i, source[b, i]].mean(dim=0)  # (H,)
        out += [
            HeadScores(layer, h, float(previous[h]), float(induction[h]), float(diagonal[h]))
            for h in range(w.shape[1])
        ]
    return out


@dataclass(frozen=True)
class Measured:
    """A model measured on held-out sequences: the loss and the share guessed right on the
    copied tokens, every head's scores, and the attention on the example (`shown_row`)."""

    loss: float
    accuracy: float
    scores: list[HeadScores]
    weights: np.ndarray  # (layers, heads, T, T)


@torch.no_grad()
def evaluate(
    model: AttentionOnly, data: Repeats, off: frozenset[tuple[int, int]] = frozenset()
) -> Measured:
    """Measure `model` on `data` with the (layer, head) pairs in `off` switched off."""
    was_training = model.training
    model.eval()
    logits, weights = model(data.x, off)
    model.train(was_training)
    right = logits[data.copied].argmax(dim=-1) == data.y[data.copied]
    return Measured(
        float(copied_loss(logits, data)),
        float(right.float().mean()),
        head_scores(weights, data.copied, data.source),
        torch.stack([w[shown_row(data)] for w in weights]).cpu().numpy(),
    )


def held_out(seed: int) -> Repeats:
    """The evaluation sequences: the same for every run with this seed, never trained on."""
    return repeats(EVAL_SEQUENCES, LENGTH, VOCAB, torch.Generator().manual_seed(seed + 10_000))


def shown_row(data: Repeats) -> int:
    """The sequence whose attention is drawn: the one with the longest copy (the first such),
    where the induction stripe is longest."""
    return int(data.copied.sum(dim=1).argmax())


def example(data: Repeats) -> tuple[list[int], list[int]]:
    """The drawn sequence's tokens, and where each position's answer sits (-1: not copied)."""
    row = shown_row(data)
    source = torch.where(data.copied[row], data.source[row], -1)
    return data.x[row].tolist(), source.tolist()


def copied_stretch(source: list[int]) -> tuple[int, int, int]:
    """(a, b, n) of an example's `source`: tokens a..a+n-1 come again at b..b+n-1."""
    counted = [i for i, j in enumerate(source) if j >= 0]
    if not counted:
        raise ConfigError("the sequence has no copied stretch")
    b = counted[0]
    return source[b] - 1, b, len(counted) + 1


def train(
    n_layer: int = 2, steps: int = 1000, seed: int = 0, eval_every: int = EVAL_EVERY
) -> Generator[InductionStarted | InductionEval | InductionTrained, None, None]:
    """Train an attention-only model of `n_layer` layers on fresh repeats at every step."""
    if n_layer not in (1, 2):
        raise ConfigError(f"--layers must be 1 or 2, got {n_layer}")
    if steps < 1:
        raise ConfigError(f"--steps must be at least 1, got {steps}")
    started = time.perf_counter()
    test = held_out(seed)
    yield InductionStarted(n_layer, seed, steps, *example(test))
    torch.manual_seed(seed)
    model = AttentionOnly(n_layer)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    batches = torch.Generator().manual_seed(seed)
    history: list[InductionEval] = []

    def estimate(step: int) -> InductionEval:
        m = evaluate(model, test)
        seconds = time.perf_counter() - started
        history.append(InductionEval(step, m.loss, m.scores, seconds, m.accuracy, m.weights))
        return history[-1]

    for step in range(steps):
        if step % eval_every == 0:
            yield estimate(step)
        data = repeats(BATCH, LENGTH, VOCAB, batches)
        loss = copied_loss(model(data.x)[0], data)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    yield estimate(steps)
    yield InductionTrained(n_layer, seed, steps, time.perf_counter() - started, history, model)


def verdict(done: InductionTrained) -> list[str]:
    """What the run shows, in sentences built from its measurements."""
    first, last = done.history[0], done.history[-1]
    jumped = next((e for e in done.history if e.loss < FELL_BELOW), None)
    lines = [
        f"The loss went from {first.loss:.2f} to {last.loss:.2f} in {done.steps:,} steps "
        f"({done.seconds:.0f} s)"
        + (f"; it fell below {FELL_BELOW} at step {jumped.step:,}." if jumped else ".")
    ]
    best = last.best
    if best.induction < INDUCTION_HEAD:
        lines.append(
            f"No head copies: the highest induction score is {best.induction:.2f} ({best.name}),"
            f" below {INDUCTION_HEAD}."
        )
        return lines
    lines.append(f"Induction head: {best.name}, score {best.induction:.2f}.")
    if done.n_layer == 2:
        previous = max((s for s in last.scores if s.layer == 0), key=lambda s: s.previous)
        lines.append(
            f"Layer 1's previous-token head: {previous.name}, score {previous.previous:.2f} "
            "(its weight on the token just before)."
        )
    return lines
