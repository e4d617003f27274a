"""Which thing is "it"? A small word-level GPT that learns to resolve a pronoun, and a look at
the attention that does it.

In "the pizza came out of the oven and it tasted good ." the word "it" is the pizza; in
"the pizza came out of the oven and it needed cleaning ." it is the oven. Nothing in the
sentence's shape says which: only the predicate ("tasted good", "needed cleaning") does. This
module generates a family of such sentences, each followed by the separator "=>" and the
referent,

    the pizza came out of the oven and it tasted good . => pizza

trains a one-layer GPT with four heads to predict the word after "=>" (the loss is taken at
that one position only), and reads out where the position that makes the prediction looks.

The separator "=>" is two tokens for the word tokenizer, "=" and ">"; the referent is
predicted at ">", its last piece, and that row of the attention weights is "the '=>' query"
here. The prediction is read there and not at "it" because the mask is causal: the "it"
position sees only the words before it, never the predicate that follows, so at "it" the
model cannot yet know which thing is meant (its attention row is the same whatever the
predicate; `referent_attention` reports it too, to show exactly that).

How the trained model does it (seed 0; other seeds mostly find the same two heads, in other slots):
the "=>" query is the same in both sentences, so what changes is the keys it is compared with.
One head looks for a food word, but a word about containers ("cleaning", "metal") outbids it;
another looks for a container word, outbid by a word about food ("tasted", "delicious"). So
when the predicate is about food, the food-seeking head lands on "pizza" and the other on the
predicate; when it is about the container, the container-seeking head lands on "oven". The
heads' outputs are added and the nouns' embeddings (tied to the output layer) do the rest.
With two layers the same trick appears in the first layer and the second layer's attention is
diffuse, and with two heads some seeds miss it, so the shipped model has one layer, four heads.

Predicates that fit both things ("was still hot", "was warm") are left out on purpose: each
predicate below is about the food or about the container, never both. A fixed fifth of the
(food, container) pairs never appear together in training, with any predicate or frame: the
held-out accuracy is measured on them, so it measures generalisation rather than memory.

torch and numpy only; nothing here prints.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine import checkpoint
from engine.data.text import WordTokenizer
from engine.errors import ConfigError
from engine.events import CheckpointSaved, Diverged, StepDone
from engine.gpt import GPT, GPTConfig
from engine.inspect import Inspection, inspect_attention
from engine.tasks.runner import pick, spec_digest, train_steps
from engine.train import KIND, TrainConfig

CORPUS_SPEC = "pizza sentences"

FOODS = (
    "pizza",
    "bread",
    "cake",
    "pie",
    "soup",
    "lasagna",
    "roast",
    "muffin",
    "stew",
    "pudding",
    "casserole",
    "pastry",
)
CONTAINERS = (
    "oven",
    "box",
    "pan",
    "pot",
    "fridge",
    "basket",
    "tin",
    "tray",
    "microwave",
    "cupboard",
)
# Each predicate is about one kind of thing only; "needed" and "was" start both kinds, so the
# first word after "it" is not enough.
FOOD_PREDICATES = (
    "tasted good",
    "was delicious",
    "smelled wonderful",
    "was too salty",
    "was eaten in minutes",
    "tasted of garlic",
    "needed more salt",
    "was our dinner",
    "was gone by noon",
    "tasted amazing",
)
CONTAINER_PREDICATES = (
    "needed cleaning",
    "needed washing",
    "was empty now",
    "was left open",
    "was put away",
    "had a broken handle",
    "was old and rusty",
    "was made of metal",
    "was scrubbed clean",
    "was full of crumbs",
)
# {f} the food, {c} the container, {p} the predicate; in three frames the container comes first.
FRAMES = (
    "the {f} came out of the {c} and it {p} .",
    "we took the {f} out of the {c} because it {p} .",
    "she put the {f} in the {c} and it {p} .",
    "the {c} held the {f} and it {p} .",
    "he opened the {c} and took out the {f} ; it {p} .",
    "we found the {f} in the {c} and it {p} .",
    "the {f} sat in the {c} all night and it {p} .",
    "they moved the {c} with the {f} inside , and it {p} .",
)
SEPARATOR = "=>"  # two tokens, "=" and ">": the referent is predicted at ">"
SPLITS = ("train", "heldout")
HELDOUT_SIZE = 400  # held-out sentences the accuracy is measured on
BLOCK_SIZE = 24  # the longest prompt is 20 tokens

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


# -- the sentence family ------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    """One sentence of the family: which food, container, predicate and frame."""

    food: str
    container: str
    predicate: str
    frame: int

    @property
    def about(self) -> str:
        """ "food" or "container": what the predicate, and so "it", is about."""
        return "food" if self.predicate in FOOD_PREDICATES else "container"

    @property
    def referent(self) -> str:
        return self.food if self.about == "food" else self.container

    @property
    def sentence(self) -> str:
        return FRAMES[self.frame].format(f=self.food, c=self.container, p=self.predicate)

    @property
    def prompt(self) -> str:
        """The sentence and the separator: what the model reads before naming the referent."""
        return f"{self.sentence} {SEPARATOR}"

    @property
    def text(self) -> str:
        return f"{self.prompt} {self.referent}"


def is_heldout(food: str, container: str) -> bool:
    """Whether the pair is held out: 2 of the 10 containers for each food, never pizza/oven
    (the lesson's own sentence is a training pair; `HELDOUT_PAIRS` has the others)."""
    return (FOODS.index(food) + 3 * CONTAINERS.index(container)) % 5 == 4


HELDOUT_PAIRS = tuple((f, c) for f in FOODS for c in CONTAINERS if is_heldout(f, c))


def pairs(split: str) -> list[tuple[str, str]]:
    """The (food, container) pairs of a split, in a fixed order."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}: choose {', '.join(SPLITS)}")
    return [(f, c) for f in FOODS for c in CONTAINERS if is_heldout(f, c) == (split == "heldout")]


def all_examples(split: str) -> list[Example]:
    """Every sentence of a split (every pair with every predicate in every frame)."""
    return [
        Example(f, c, p, k)
        for f, c in pairs(split)
        for p in FOOD_PREDICATES + CONTAINER_PREDICATES
        for k in range(len(FRAMES))
    ]


def examples(split: str, n: int, seed: int = 0) -> list[Example]:
    """`n` sentences of a split drawn at random (the same ones for the same seed); half the
    predicates, on average, are about the food and half about the container."""
    if n < 0:
        raise ConfigError(f"the number of sentences must be zero or more, not {n}")
    chosen = pairs(split)
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        food, container = pick(rng, chosen)
        predicates = FOOD_PREDICATES if rng.random() < 0.5 else CONTAINER_PREDICATES
        out.append(Example(food, container, pick(rng, predicates), pick(rng, range(len(FRAMES)))))
    return out


def vocabulary() -> list[str]:
    """Every word and mark of the family (frames, things, predicates, separator), sorted."""
    frames = tuple(frame.format(f="", c="", p="") for frame in FRAMES)
    text = " ".join(frames + FOODS + CONTAINERS + FOOD_PREDICATES + CONTAINER_PREDICATES)
    return sorted(set(WordTokenizer.split(f"{text} {SEPARATOR}")))


def family_tokenizer() -> WordTokenizer:
    return WordTokenizer([WordTokenizer.UNKNOWN, *vocabulary()])


def family_digest() -> str:
    """sha256 of everything that defines the family and its split: a checkpoint's "corpus"."""
    spec = {
        "foods": FOODS,
        "containers": CONTAINERS,
        "food_predicates": FOOD_PREDICATES,
        "container_predicates": CONTAINER_PREDICATES,
        "frames": FRAMES,
        "separator": SEPARATOR,
        "heldout": HELDOUT_PAIRS,
    }
    return spec_digest(spec)


def family_source() -> str:
    return (
        f"generated pizza sentences ({len(FOODS)} foods, {len(CONTAINERS)} containers, "
        f"{len(FOOD_PREDICATES)} food and {len(CONTAINER_PREDICATES)} container predicates, "
        f"{len(FRAMES)} frames; {len(HELDOUT_PAIRS)} food/container pairs held out)"
    )


def encode_examples(
    tokenizer: WordTokenizer, batch: Sequence[Example], block_size: int = BLOCK_SIZE
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs (B, block_size): each prompt, padded after its end with id 0 (a causal model never
    sees what follows a position); targets: -100 (ignored by the loss) everywhere but the last
    prompt position, where it is the referent; and that position's index for each row."""
    x = torch.zeros(len(batch), block_size, dtype=torch.long)
    y = torch.full((len(batch), block_size), -100, dtype=torch.long)
    last = torch.zeros(len(batch), dtype=torch.long)
    for row, example in enumerate(batch):
        ids = tokenizer.encode(example.prompt)
        if len(ids) > block_size:
            raise ConfigError(f"{len(ids)} tokens do not fit a context of {block_size}")
        x[row, : len(ids)] = torch.tensor(ids)
        y[row, len(ids) - 1] = tokenizer.encode(example.referent)[0]
        last[row] = len(ids) - 1
    return x, y, last


# -- training -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ReferentEval:
    """Loss on fixed training sentences, and loss and accuracy on the held-out ones."""

    step: int
    train_loss: float
    heldout_loss: float
    heldout_accuracy: float


@dataclass
class ReferentTrained:
    """The last event of a run: the trained model and how well it resolves "it"."""

    model: GPT
    tokenizer: WordTokenizer
    seed: int
    step: int
    heldout_accuracy: float
    seconds: float
    history: list[ReferentEval] = field(default_factory=list)


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
) -> Iterator[StepDone | ReferentEval | Diverged | ReferentTrained]:
    """Train a GPT to name what "it" refers to, yielding StepDone after every step, a
    ReferentEval every `eval_interval` steps and at the end, then one ReferentTrained (or a
    Diverged, and nothing more). `model` and `train` override `MODEL` and `TRAIN` (GPTConfig
    and TrainConfig fields); `steps` overrides max_iters. The same seed gives the same run."""
    train = {**TRAIN, **(train or {}), "seed": seed}
    if steps is not None:
        train["max_iters"] = steps
    cfg = TrainConfig(**train).validate()
    tokenizer = family_tokenizer()
    config = GPTConfig(vocab_size=tokenizer.vocab_size, **{**MODEL, **(model or {})}).validate()
    torch.manual_seed(seed)
    net = GPT(config)
    rng = random.Random(seed + 1)
    fixed_train = examples("train", heldout_size, seed=seed + 2)
    fixed_heldout = examples("heldout", heldout_size, seed=0)
    history: list[ReferentEval] = []

    def step_loss() -> tuple[torch.Tensor, int]:
        batch = examples("train", cfg.batch_size, seed=rng.getrandbits(32))
        x, y, _ = encode_examples(tokenizer, batch, config.block_size)
        return net(x, y).loss, x.numel()

    def evaluated(step: int) -> ReferentEval:
        train_loss, _ = evaluate(net, tokenizer, fixed_train)
        heldout_loss, accuracy = evaluate(net, tokenizer, fixed_heldout)
        history.append(ReferentEval(step, train_loss, heldout_loss, accuracy))
        return history[-1]

    began = time.perf_counter()
    explode = 3 * math.log(config.vocab_size) + 1
    for event in train_steps(net, cfg, step_loss, evaluated, explode):
        yield event
        if isinstance(event, Diverged):
            return
    yield ReferentTrained(
        net,
        tokenizer,
        seed,
        cfg.max_iters,
        history[-1].heldout_accuracy,
        time.perf_counter() - began,
        history,
    )


def save_referent_model(path: str | Path, trained: ReferentTrained) -> CheckpointSaved:
    """Write the model as `engine.train.load_model` reads it (a "gpt" checkpoint, weights in
    half precision, no optimiser), atomically; the seed and figures go under "sentences"."""
    payload = {
        "model_config": trained.model.config.to_dict(),
        "model": {k: v.half() for k, v in trained.model.state_dict().items()},
        "tokenizer": trained.tokenizer.state(),
        "corpus": {"spec": CORPUS_SPEC, "source": family_source(), "sha256": family_digest()},
        "step": trained.step,
        "history": [],  # GPT runs keep EvalDone here; this run's evaluations are below
        "sentences": {
            "seed": trained.seed,
            "heldout_accuracy": trained.heldout_accuracy,
            "seconds": trained.seconds,
            "evaluations": [asdict(e) for e in trained.history],
        },
    }
    return CheckpointSaved(checkpoint.save(path, KIND, payload))


# -- looking at the attention -------------------------------------------------------------
def prompt_for(sentence: str) -> str:
    """The sentence as the model was trained to read it: ending in " ." and then " =>"."""
    words = WordTokenizer.split(sentence)
    if words[-2:] == ["=", ">"]:
        return sentence.strip()
    text = sentence.strip()
    if not words or words[-1] != ".":
        text += " ."
    return f"{text} {SEPARATOR}"


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
