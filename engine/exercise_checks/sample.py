"""Exercise `sample`: temperature and top-k turn logits into probabilities; then one draw.

The probabilities are compared with the engine's `next_token_probs`; the token is checked to
be one the probabilities allow (the likeliest, at temperature 0), to come from the generator
it is given, and, over many draws, to follow the probabilities.
"""

from __future__ import annotations

from typing import Any

import torch

from engine.exercise_checks.common import Case, Named, Variant, as_pair, as_tensor, gen, switched
from engine.sample import next_token_probs

FUNCTION = "sample"
SIGNATURE = "sample(logits, temperature, top_k, generator) -> (token, probs)"
ARG_NAMES = ("logits", "temperature", "top_k", "generator")

# (vocab, temperature, top_k)
SETTINGS: list[tuple[int, float, int | None]] = [
    (10, 1.0, None),
    (10, 0.5, None),
    (10, 2.0, None),
    (10, 1.0, 3),
    (50, 0.8, 5),
    (5, 1.0, 1),
    (5, 1.0, 5),
    (7, 1.5, 10),
    (20, 0.0, None),
    (20, 0.0, 4),
    (1, 1.0, None),
    (65, 0.7, 10),
]


def cases() -> list[Case]:
    out = []
    for seed, (vocab, temperature, top_k) in enumerate(SETTINGS):
        logits = 2 * torch.randn(vocab, generator=gen(seed))
        label = f"{vocab} logits, temperature = {temperature:g}, top_k = {top_k}"
        out.append(Case(label, (logits, temperature, top_k, gen(100 + seed))))
    return out


def reference(logits, temperature, top_k, generator) -> Any:
    probs = next_token_probs(logits, temperature, top_k)
    if temperature == 0:
        return int(probs.argmax()), probs
    return int(torch.multinomial(probs, 1, generator=generator)), probs


def unpack(result: Any, case: Case) -> Named:
    _, probs = as_pair(result, FUNCTION, "token", "probs")
    return [("probs", as_tensor(probs, "probs"))]


def _token(token: Any) -> int | None:
    if isinstance(token, bool):
        return None
    if isinstance(token, int):
        return token
    if isinstance(token, torch.Tensor) and token.numel() == 1 and not token.is_floating_point():
        return int(token.item())
    return None


def error_hints(exc: Exception, case: Case) -> list[str]:
    top_k, vocab = case.args[2], case.args[0].numel()
    if top_k is not None and top_k > vocab:
        return [f"top_k = {top_k} is more than the {vocab} logits: then keep them all"]
    return []


def ship(result: Any, case: Case) -> dict[str, Any]:
    """What the parent needs of the token: the int it stands for (None if it is not one) and
    how it reads, for the message."""
    token = result[0]
    return {"token": _token(token), "said": repr(token)[:80]}


def check_result(shipped: Any, case: Case) -> list[str] | None:
    """The token: an int the probabilities allow; the likeliest one at temperature 0."""
    chosen = shipped["token"]
    logits, temperature = case.args[0], case.args[1]
    if type(chosen) is not int:
        said = shipped["said"]
        return [f"token is {said}: return it as an int, e.g. int(torch.multinomial(...))"]
    if not 0 <= chosen < logits.numel():
        return [f"token {chosen} is not in the vocabulary 0..{logits.numel() - 1}"]
    expected = next_token_probs(logits, temperature, case.args[2])
    if temperature == 0 and chosen != int(expected.argmax()):
        return [
            f"at temperature 0 the token must be the likeliest, {int(expected.argmax())}; "
            f"got {chosen}"
        ]
    if expected[chosen] == 0:
        return [f"token {chosen} has probability 0 (top-k removed it) but was drawn"]
    return None


SEEDS = (1, 2, 3)  # generators seeded alike must draw alike, whatever the global seed
DRAWS = 1000  # from FOLLOWED's probabilities: each count within 7% of the draws of its share
FOLLOWED = torch.tensor([0.0, 0.0, -0.7, -1.4])


def probe(fn) -> dict[str, list[int | None]]:
    """The learner's tokens: two draws for each seed of SEEDS under different global seeds, then
    DRAWS draws from FOLLOWED (stopping at the first that is not a token)."""
    logits = torch.randn(40, generator=gen(7)) * 0.5
    pairs = []
    for seed in SEEDS:
        torch.manual_seed(1000 + seed)
        first = _token(fn(logits.clone(), 1.0, None, gen(seed))[0])
        torch.manual_seed(2000 + seed)
        pairs += [first, _token(fn(logits.clone(), 1.0, None, gen(seed))[0])]
    g = gen(11)
    draws: list[int | None] = []
    while len(draws) < DRAWS and (not draws or draws[-1] in range(len(FOLLOWED))):
        draws.append(_token(fn(FOLLOWED.clone(), 1.0, None, g)[0]))
    return {"pairs": pairs, "draws": draws}


def judge_probe(probed: dict[str, list[int | None]]) -> list[str] | None:
    """The draw uses the generator, and follows the probabilities."""
    pairs = probed["pairs"]
    for seed, first, second in zip(SEEDS, pairs[::2], pairs[1::2]):
        if first != second:
            return [
                f"two generators seeded {seed} gave tokens {first} and {second}: draw with the "
                "generator you are given, torch.multinomial(probs, 1, generator=generator)"
            ]
    counts = torch.zeros(len(FOLLOWED))
    for token in probed["draws"]:
        if not isinstance(token, int) or token not in range(len(FOLLOWED)):
            return [f"sample returned token {token!r} for 4 logits: return an int in 0..3"]
        counts[token] += 1
    probs = torch.softmax(FOLLOWED, dim=-1)
    if len(probed["draws"]) != DRAWS or len(pairs) != 2 * len(SEEDS):
        raise ValueError("not a probe of ours")
    for token in range(len(FOLLOWED)):
        expected = float(probs[token]) * DRAWS
        if abs(counts[token] - expected) > 0.07 * DRAWS:
            return [
                f"over {DRAWS} draws from probabilities {[round(float(p), 3) for p in probs]}, "
                f"token {token} came {int(counts[token])} times, expected about {expected:.0f}: "
                "draw at random from probs (torch.multinomial), not the likeliest token"
            ]
    return None


def _probs(
    logits,
    temperature,
    top_k,
    generator,  # the learner's signature; only probs is compared, so no token is drawn
    *,
    temp: str = "before",
    renormalise: bool = True,
    largest: bool = True,
    use_top_k: bool = True,
):
    if temperature > 0 and temp == "before":
        logits = logits / temperature
    elif temperature > 0 and temp == "times":
        logits = logits * temperature
    probs = torch.softmax(logits, dim=-1)
    if temperature > 0 and temp == "after":
        probs = probs / temperature
    if use_top_k and top_k is not None and top_k < logits.numel():
        keep = torch.topk(logits, top_k, largest=largest).indices
        kept = torch.zeros_like(probs).scatter(0, keep, probs[keep])
        if renormalise:
            masked = torch.full_like(logits, float("-inf")).scatter(0, keep, logits[keep])
            kept = torch.softmax(masked, dim=-1)
            if temperature > 0 and temp == "after":
                kept = kept / temperature
        probs = kept
    return 0, probs


_variant = switched(_probs)

VARIANTS = [
    Variant(
        "temperature_after_softmax",
        _variant(temp="after"),
        "the temperature is applied after the softmax: divide the LOGITS by the temperature, "
        "then take the softmax",
    ),
    Variant(
        "temperature_ignored",
        _variant(temp="none"),
        "the temperature changes nothing: divide the logits by it before the softmax",
    ),
    Variant(
        "temperature_times",
        _variant(temp="times"),
        "the logits are multiplied by the temperature: divide them (a high temperature "
        "flattens the probabilities, a low one sharpens them)",
    ),
    Variant(
        "top_k_not_renormalised",
        _variant(renormalise=False),
        "after top-k the probabilities are not renormalised: set the other logits to -inf "
        "before the softmax (or divide the kept probabilities by their sum)",
    ),
    Variant(
        "top_k_smallest",
        _variant(largest=False),
        "top-k keeps the k LARGEST logits, not the smallest",
    ),
    Variant(
        "top_k_ignored",
        _variant(use_top_k=False),
        "top-k changes nothing: keep only the k likeliest tokens, give the rest probability 0",
    ),
]


def observe(got: Named, expected: Named, case: Case) -> list[str]:
    probs = dict(got)["probs"]
    facts = []
    if probs.shape == dict(expected)["probs"].shape:
        total = float(probs.double().sum())
        if abs(total - 1) > 1e-3:
            facts.append(f"probs sums to {total:.4g}, not 1")
    if case.args[1] == 0 and not torch.isfinite(probs).all():
        facts.append(
            "temperature 0 means greedy: do not divide by it; return softmax(logits) (with "
            "top-k) and take the argmax as the token"
        )
    return facts
