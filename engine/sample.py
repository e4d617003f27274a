"""Generation: one token at a time, with temperature, top-k, a seed, and a key/value cache.

Each step yields the chosen token with the most likely candidates and their probabilities, so
a learner can watch the choice being made. The context is at most `block_size` tokens; when it
is full it keeps its newer half and goes on, so the cache is rebuilt once per half block and
the cost of a new token does not grow with the prompt. `use_cache=False` recomputes the very
same windows from scratch: slower, and identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import torch

from engine.errors import ConfigError, EngineError
from engine.events import NextToken
from engine.gpt import GPT, KVCache


class Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: list[int]) -> str: ...


@dataclass(frozen=True)
class SampleSettings:
    """How a training run writes its samples. A front end may replace them while the run
    trains: the Sampling pane's interval, temperature, top-k and prompt apply live."""

    every: int = 0  # steps between samples; 0: none
    tokens: int = 200
    prompt: str = ""
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None

    def check(self, tokenizer: Tokenizer) -> SampleSettings:
        """Return self, or raise an EngineError saying in one line what is wrong."""
        check_sampling(self.temperature, self.top_k, self.top_p)
        if self.every < 0 or self.tokens < 1:
            raise ConfigError(
                f"samples need every >= 0 and tokens >= 1, got {self.every}, {self.tokens}"
            )
        if self.prompt:
            tokenizer.encode(self.prompt)  # every character must be one the model knows
        return self


def check_sampling(temperature: float, top_k: int | None, top_p: float | None = None) -> None:
    if not math.isfinite(temperature):
        raise ConfigError(f"--temperature must be a finite number, got {temperature}")
    if temperature < 0:
        raise ConfigError(f"--temperature must be zero (greedy) or positive, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"--top-k must be at least 1, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:  # nan fails both comparisons
        raise ConfigError(f"--top-p must be above 0 and at most 1, got {top_p}")


def next_token_probs(
    logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None = None
) -> torch.Tensor:
    """Probabilities over the vocabulary from the last position's `logits` (vocab,).

    Temperature divides the logits (0 is greedy: the caller takes the most likely token, and
    these are the untempered probabilities); top-k keeps only the k most likely tokens; top-p
    (nucleus sampling, Holtzman et al. 2019) then keeps the fewest most likely tokens whose
    probabilities add up to at least p. Both renormalise."""
    if temperature > 0:
        logits = logits / temperature
    if top_k is not None and top_k < logits.numel():
        kth = torch.topk(logits, top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if top_p is None or top_p >= 1:
        return probs
    ranked, order = torch.sort(probs, descending=True)
    before = ranked.cumsum(dim=-1) - ranked  # the mass of the tokens likelier than each
    ranked = ranked.masked_fill(before >= top_p, 0.0)  # the first token always stays
    kept = torch.zeros_like(probs).scatter(-1, order, ranked)
    return kept / kept.sum()


@torch.inference_mode()
def generate(
    model: GPT,
    tokenizer: Tokenizer,
    prompt: str = "",
    max_new_tokens: int = 200,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    use_cache: bool = True,
    top_n: int = 5,
) -> Iterator[NextToken]:
    """Continue `prompt` by `max_new_tokens` tokens, yielding each as it is chosen."""
    check_sampling(temperature, top_k, top_p)
    block = model.config.block_size
    device = next(model.parameters()).device
    ids = tokenizer.encode(prompt) if prompt else tokenizer.encode("\n")[:1] or [0]
    gen = torch.Generator(device=device)
    if seed is None:
        gen.seed()  # fresh randomness, without touching torch's global generator
    else:
        gen.manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        window = ids[-block:]
        cache = KVCache() if use_cache else None
        pending = window  # tokens the cache has not seen yet
        for _ in range(max_new_tokens):
            feed = pending if cache is not None else window
            logits = model(torch.tensor([feed], device=device), cache=cache).logits[0, -1]
            probs = next_token_probs(logits, temperature, top_k, top_p)
            if not torch.isfinite(probs).all():
                raise EngineError("the model gives NaN probabilities: its weights are broken")
            if temperature == 0:
                chosen = int(probs.argmax())
            else:
                chosen = int(torch.multinomial(probs, 1, generator=gen))
            values, indices = torch.topk(probs, min(top_n, probs.numel()))
            top = [(tokenizer.decode([int(i)]), float(p)) for p, i in zip(values, indices)]
            yield NextToken(chosen, tokenizer.decode([chosen]), float(probs[chosen]), top)
            if len(window) >= block:  # full: keep the newer half, and rebuild the cache
                window = window[len(window) - block // 2 :]
                cache = KVCache() if use_cache else None
                pending = window + [chosen]
            else:
                pending = [chosen]
            window = window + [chosen]
    finally:
        model.train(was_training)
