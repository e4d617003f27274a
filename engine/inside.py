"""Inside the GPT you trained: which heads copy, what switching one off costs, and what the
residual stream would say at every depth.

The probe is a passage that repeats: ids x of length 2n with x[n + k] = x[k]. From a position
i ≥ n of the second half the next token is the one after the earlier occurrence, x[i − n + 1],
so a model that has learnt to copy predicts the repeated half far better than the first. Per
layer and head, from the softmax weights w(i → j) of one forward pass:

    previous-token score  = mean over 1 ≤ i < 2n of  w(i → i − 1)
    induction score       = mean over n ≤ i < 2n of  w(i → i − n + 1)
    self score            = mean over 0 ≤ i < 2n of  w(i → i)

Switching a head off zeroes its slice of c_proj's input (the heads sit side by side there:
head h is columns h·hs to (h + 1)·hs, hs = n_embd / n_head) through a forward pre-hook, so
GPT itself is untouched; the repeated-half loss is the mean cross-entropy of the predictions
made at n ≤ i < 2n − 1, whose targets are all copies.

The logit lens (nostalgebraist 2020) reads the residual stream early: the stream after the
embeddings and after each block, put through the final ln_f and lm_head as if it were the last
one, gives softmax(lm_head(ln_f(x_ℓ))), the model's guess at depth ℓ. After the last block it
is the model's real output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from engine.data.text import Tokenizer
from engine.errors import ConfigError
from engine.events import HeadScores
from engine.gpt import GPT
from engine.induction import head_scores as induction_scores

Guesses = list[tuple[str, float]]  # (token as text, probability), most likely first


def repeated_text(tokenizer: Tokenizer, text: str | None, length: int, seed: int = 0) -> list[int]:
    """2·(length // 2) ids, the first half twice: the first length // 2 tokens of `text`, or,
    without one, seeded random tokens, which leave copying as the only way to predict."""
    half = length // 2
    if half < 2:
        raise ConfigError(f"a repeated passage needs a length of at least 4, got {length}")
    if text is None:
        generator = torch.Generator().manual_seed(seed)
        first = torch.randint(tokenizer.vocab_size, (half,), generator=generator).tolist()
    else:
        first = tokenizer.encode(text)[:half]
        if len(first) < half:
            raise ConfigError(f"the text has {len(first)} tokens; the passage needs {half}")
    return first + first


def _half(ids: list[int]) -> int:
    """n for a passage x of 2n ids with x[n:] == x[:n]; anything else has no copies to score."""
    half = len(ids) // 2
    if half < 2 or len(ids) != 2 * half or ids[:half] != ids[half:]:
        raise ConfigError("the ids must be a passage repeated once (see repeated_text)")
    return half


def _tensor(model: GPT, ids: list[int]) -> torch.Tensor:
    return torch.tensor([ids], device=next(model.parameters()).device)


@contextmanager
def _evaluating(model: GPT) -> Iterator[None]:
    """Eval mode (no dropout) and no gradients for a look, the previous mode restored."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def head_scores(model: GPT, ids: list[int]) -> list[HeadScores]:
    """Every layer's and head's previous-token, induction and self score on a repeated
    passage (see the module docstring)."""
    half = _half(ids)
    with _evaluating(model):
        stages = model(_tensor(model, ids), capture=True).stages
    T = 2 * half
    copied = torch.zeros(1, T, dtype=torch.bool)
    copied[:, half:] = True  # every position of the second half has its earlier occurrence
    source = (torch.arange(T) - half + 1).clamp(min=0).unsqueeze(0)
    return induction_scores([st.weights.float() for st in stages], copied, source)


@contextmanager
def heads_off(model: GPT, off: set[tuple[int, int]]) -> Iterator[None]:
    """Within the block, each (layer, head) in `off`, counted from 0, contributes nothing: a
    pre-hook on that layer's c_proj zeroes the head's columns. The hooks go when it ends."""
    n_layer, n_head = model.config.n_layer, model.config.n_head
    bad = [(lay, h) for lay, h in off if not (0 <= lay < n_layer and 0 <= h < n_head)]
    if bad:
        raise ConfigError(f"no head {bad[0]}: the model has {n_layer} layers of {n_head} heads")
    hs = model.config.n_embd // n_head
    handles = []

    def zeroing(heads: list[int]) -> Callable[[nn.Module, tuple], tuple]:
        def hook(_: nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
            y = args[0].clone()
            for h in heads:
                y[..., h * hs : (h + 1) * hs] = 0.0
            return (y, *args[1:])

        return hook

    try:
        for layer in sorted({lay for lay, _ in off}):
            heads = sorted(h for lay, h in off if lay == layer)
            proj = model.h[layer].attn.c_proj
            handles.append(proj.register_forward_pre_hook(zeroing(heads)))
        yield
    finally:
        for handle in handles:
            handle.remove()


def _top(tokenizer: Tokenizer, logits: torch.Tensor, k: int) -> Guesses:
    probs = torch.softmax(logits.float(), dim=-1)
    values, indices = torch.topk(probs, min(k, probs.numel()))
    return [(tokenizer.decode([int(i)]), float(p)) for p, i in zip(values, indices)]


def loss_with_heads_off(
    model: GPT,
    tokenizer: Tokenizer,
    ids: list[int],
    off: set[tuple[int, int]],
    k: int = 3,
) -> tuple[float, list[tuple[int, Guesses]]]:
    """The repeated-half loss with the heads in `off` switched off, and the top-k next tokens
    at three positions of the repeated half (its start, middle and last prediction)."""
    half = _half(ids)
    x = _tensor(model, ids)
    with _evaluating(model), heads_off(model, off):
        logits = model(x).logits[0]
    where = torch.arange(half, 2 * half - 1)
    loss = F.cross_entropy(logits[where].float(), x[0, where + 1])
    shown = [half, half + half // 2, 2 * half - 2]
    return float(loss), [(i, _top(tokenizer, logits[i], k)) for i in shown]


def logit_lens(
    model: GPT, tokenizer: Tokenizer, ids: list[int], position: int, k: int = 5
) -> list[tuple[str, Guesses]]:
    """At `position`, the top-k next tokens read from the residual stream after the embeddings
    and after each block through ln_f and lm_head; the last stage is the model's output."""
    if not 0 <= position < len(ids):
        raise ConfigError(f"position {position} is outside the {len(ids)} ids")
    streams: list[torch.Tensor] = []
    handles = [model.drop.register_forward_hook(lambda _m, _a, out: streams.append(out))]
    for block in model.h:  # a block returns (stream, attention stages)
        handles.append(block.register_forward_hook(lambda _m, _a, out: streams.append(out[0])))
    try:
        with _evaluating(model):
            model(_tensor(model, ids))
            names = ["embeddings"] + [f"block {n + 1}" for n in range(len(model.h))]
            return [
                (name, _top(tokenizer, model.lm_head(model.ln_f(x[0, position])), k))
                for name, x in zip(names, streams)
            ]
    finally:
        for handle in handles:
            handle.remove()


@dataclass(frozen=True)
class Look:
    """What the pane shows of a GPT on a repeated passage, with some heads switched off: the
    scores, the loss on each half, the guesses at three places and the lens at one."""

    tokens: list[str]  # the passage, one string per id
    scores: list[HeadScores]
    off: frozenset[tuple[int, int]]
    first_half: float  # the loss of the first half's predictions, all heads on
    repeated: float  # the repeated half's, all heads on
    repeated_off: float  # the repeated half's with `off` switched off
    guesses: list[tuple[int, Guesses]]  # with `off` switched off
    position: int
    lens: list[tuple[str, Guesses]]  # at `position`, with `off` switched off

    @property
    def half(self) -> int:
        return len(self.tokens) // 2


def look(
    model: GPT,
    tokenizer: Tokenizer,
    ids: list[int],
    off: set[tuple[int, int]] | frozenset[tuple[int, int]],
    position: int,
    k: int = 5,
) -> Look:
    """Everything at once, for a pane: scores, losses with and without `off`, guesses, lens."""
    half = _half(ids)
    x = _tensor(model, ids)
    with _evaluating(model):
        logits = model(x).logits[0].float()
    first = F.cross_entropy(logits[: half - 1], x[0, 1:half])
    repeated, _ = loss_with_heads_off(model, tokenizer, ids, set())
    repeated_off, guesses = loss_with_heads_off(model, tokenizer, ids, set(off), k)
    with heads_off(model, set(off)):
        lens = logit_lens(model, tokenizer, ids, position, k)
    return Look(
        [tokenizer.decode([i]) for i in ids],
        head_scores(model, ids),
        frozenset(off),
        float(first),
        repeated,
        repeated_off,
        guesses,
        position,
        lens,
    )
