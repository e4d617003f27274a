"""Which thing is "it"? A small word-level GPT learns to name what the pronoun of a pizza
sentence (`engine.tasks.sentences`) refers to, and `referent_attention` shows how.

The model is `engine.gpt`'s GPT with one layer and four heads. It reads a sentence and the
separator "=>" and is trained to predict the word after it (the loss is taken at that one
position only). The prediction is read at ">", the last piece of "=>", and not at "it",
because the mask is causal: the "it" position sees only the words before it, never the
predicate that follows, so at "it" the model cannot yet know which thing is meant (its
attention row is the same whatever the predicate; `referent_attention` reports it too, to
show exactly that).

How the trained model does it (seed 0; other seeds mostly find the same two heads, in other slots):
the "=>" query is the same in both sentences, so what changes is the keys it is compared with.
One head looks for a food word, but a word about containers ("cleaning", "metal") outbids it;
another looks for a container word, outbid by a word about food ("tasted", "delicious"). So
when the predicate is about food, the food-seeking head lands on "pizza" and the other on the
predicate; when it is about the container, the container-seeking head lands on "oven". The
heads' outputs are added and the nouns' embeddings (tied to the output layer) do the rest.
With two layers the same trick appears in the first layer and the second layer's attention is
diffuse, and with two heads some seeds miss it, so the shipped model has one layer, four heads.

The checkpoint is an ordinary "gpt" file (`engine.gpt_checkpoint.load_model` reads it), so the
Attention pane can open it. torch and numpy only; nothing here prints.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.data.text import WordTokenizer
from engine.errors import ConfigError
from engine.events import CheckpointSaved, Diverged, HeldoutEval, ReferentTrained, StepDone
from engine.gpt import GPT, GPTConfig
from engine.gpt_checkpoint import save_gpt
from engine.inspect import Inspection, inspect_attention
from engine.tasks.runner import run_record, train_config, train_task
from engine.tasks.sentences import (
    BLOCK_SIZE,
    CONTAINERS,
    FOODS,
    HELDOUT_SIZE,
    Example,
    encode_examples,
    examples,
    family_digest,
    family_source,
    family_tokenizer,
    prompt_for,
)

CORPUS_SPEC = "pizza sentences"
MODEL = dict(n_layer=1, n_head=4, n_embd=64, block_size=BLOCK_SIZE, dropout=0.0)
TRAIN = dict(
    max_iters=1000,
    batch_size=64,
    learning_rate=3e-3,
    min_lr=3e-4,
    warmup_iters=50,
    weight_decay=0.1,
    eval_interval=100,
    sample_interval=0,
)


# -- training -----------------------------------------------------------------------------
@torch.no_grad()
def evaluate(model: GPT, tokenizer: WordTokenizer, batch: Sequence[Example]) -> tuple[float, float]:
    """(mean loss at the referent, fraction whose most likely next word is the referent)."""
    was_training = model.training
    model.eval()
    x, y, last = encode_examples(tokenizer, batch, model.config.block_size)
    out = model(x, y)
    rows = torch.arange(len(batch))
    guess = out.logits[rows, last].argmax(-1)
    model.train(was_training)
    return float(out.loss), float((guess == y[rows, last]).float().mean())


def heldout_accuracy(
    model: GPT, tokenizer: WordTokenizer, n: int = HELDOUT_SIZE, seed: int = 0
) -> float:
    """Accuracy on `n` held-out sentences (pairs never seen together in training)."""
    return evaluate(model, tokenizer, examples("heldout", n, seed))[1]


def train_referent_model(
    seed: int = 0,
    steps: int | None = None,
    *,
    model: dict[str, Any] | None = None,
    train: dict[str, Any] | None = None,
    heldout_size: int = HELDOUT_SIZE,
) -> Iterator[StepDone | HeldoutEval | Diverged | ReferentTrained]:
    """Train a GPT to name what "it" refers to, yielding StepDone after every step, a
    HeldoutEval every `eval_interval` steps and at the end, then one ReferentTrained (or a
    Diverged, and nothing more). `model` and `train` override `MODEL` and `TRAIN` (GPTConfig
    and TrainConfig fields); `steps` overrides max_iters. The same seed gives the same run."""
    cfg = train_config(TRAIN, train, seed, steps)
    tokenizer = family_tokenizer()
    config = GPTConfig(vocab_size=tokenizer.vocab_size, **{**MODEL, **(model or {})}).validate()
    torch.manual_seed(seed)
    net = GPT(config)

    def step_loss(rng: random.Random) -> tuple[torch.Tensor, int]:
        batch = examples("train", cfg.batch_size, seed=rng.getrandbits(32))
        x, y, _ = encode_examples(tokenizer, batch, config.block_size)
        return net(x, y).loss, x.numel()

    yield from train_task(
        net,
        cfg,
        vocab_size=config.vocab_size,
        step_loss=step_loss,
        draw=examples,
        heldout_size=heldout_size,
        measure=lambda batch: evaluate(net, tokenizer, batch),
        trained=partial(ReferentTrained, model=net, tokenizer=tokenizer),
    )


def save_referent_model(path: str | Path, trained: ReferentTrained) -> CheckpointSaved:
    """Write the model as `engine.gpt_checkpoint.load_model` reads it (a "gpt" checkpoint,
    weights in half precision, no optimiser), atomically; the seed and figures go under
    "sentences"."""
    return save_gpt(
        path,
        trained.model,
        trained.tokenizer,
        {"spec": CORPUS_SPEC, "source": family_source(), "sha256": family_digest()},
        trained.step,
        [],  # GPT runs keep EvalDone here; this run's evaluations are under "sentences"
        half=True,
        sentences=run_record(trained),
    )


# -- looking at the attention -------------------------------------------------------------


def _first(tokens: list[str], words: Sequence[str], what: str) -> int:
    for i, token in enumerate(tokens):
        if token in words:
            return i
    raise ConfigError(f"the sentence names no {what} ({', '.join(words[:4])}, ...)")


def _weights_on(weights: np.ndarray, query: int, keys: dict[str, int]) -> dict[str, float]:
    return {name: float(weights[query, key]) for name, key in keys.items()}


def _per_layer(look: Inspection, query: int, keys: dict[str, int]) -> list[dict[str, Any]]:
    layers = []
    for layer in range(len(look.layers)):
        heads = [
            _weights_on(look.stage(layer, h, "weights"), query, keys)
            for h in range(look.layers[layer]["weights"].shape[0])
        ]
        mean = {name: float(np.mean([h[name] for h in heads])) for name in keys}
        layers.append({"heads": heads, "mean": mean})
    return layers


def referent_attention(model: GPT, tokenizer: WordTokenizer, sentence: str) -> dict[str, Any]:
    """Where the model looks when it names what "it" is, for one sentence of the family (or any
    sentence naming a food and a container; " ." and " =>" are added when missing).

    Returns a dict:
      tokens, query (index of ">", the last piece of "=>": the position predicting the
      referent), food/container (the first such words) and food_index/container_index;
      layers: per layer {"heads": [{"food": w, "container": w}, ...], "mean": {...}}, the
      attention weight from the "=>" query onto the food and the container token;
      last_layer: the last layer's mean over heads; best_head: (layer, head) of the head whose
      weights differ most between food and container, and its weights;
      it: {"index", "layers"}, the same weights for the "it" query, which with a causal mask
      sees only the words before it, never the predicate: its row is the same whatever the
      predicate says, so it cannot prefer the right thing (hence the question is asked at "=>");
      prediction and probability: the model's most likely next word after "=>";
      probabilities: {"food": p, "container": p} of naming each.
    """
    text = prompt_for(sentence)
    look = inspect_attention(model, tokenizer, text, top_n=tokenizer.vocab_size)
    tokens = look.tokens
    food_at = _first(tokens, FOODS, "food")
    container_at = _first(tokens, CONTAINERS, "container")
    keys = {"food": food_at, "container": container_at}
    query = len(tokens) - 1
    layers = _per_layer(look, query, keys)
    _, best_layer, best_head = max(
        (abs(w["food"] - w["container"]), layer, head)
        for layer, entry in enumerate(layers)
        for head, w in enumerate(entry["heads"])
    )
    it = None
    if "it" in tokens:  # keys after "it" are hidden from it: their weights are 0
        it_at = tokens.index("it")
        it = {"index": it_at, "layers": _per_layer(look, it_at, keys)}
    probs = dict(look.next_token)
    prediction, probability = look.next_token[0]
    return {
        "tokens": tokens,
        "query": query,
        "food": tokens[food_at],
        "container": tokens[container_at],
        "food_index": food_at,
        "container_index": container_at,
        "layers": layers,
        "last_layer": layers[-1]["mean"],
        "best_head": {
            "layer": best_layer,
            "head": best_head,
            **layers[best_layer]["heads"][best_head],
        },
        "it": it,
        "prediction": prediction,
        "probability": probability,
        "probabilities": {
            "food": probs.get(tokens[food_at], 0.0),
            "container": probs.get(tokens[container_at], 0.0),
        },
    }
