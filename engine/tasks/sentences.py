"""Which thing is "it"? The pizza sentences: a generated family in which only the predicate
says what the pronoun refers to.

In "the pizza came out of the oven and it tasted good ." the word "it" is the pizza; in
"the pizza came out of the oven and it needed cleaning ." it is the oven. Nothing in the
sentence's shape says which: only the predicate ("tasted good", "needed cleaning") does. Each
sentence of the family is followed by the separator "=>" and the referent,

    the pizza came out of the oven and it tasted good . => pizza

and `engine.tasks.referent` trains a word GPT to name it. The separator "=>" is two tokens for
the word tokenizer, "=" and ">"; the referent is predicted at ">", its last piece.

Predicates that fit both things ("was still hot", "was warm") are left out on purpose: each
predicate below is about the food or about the container, never both. A fixed fifth of the
(food, container) pairs never appear together in training, with any predicate or frame: the
held-out accuracy is measured on them, so it measures generalisation rather than memory.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from engine.data.text import WordTokenizer
from engine.errors import ConfigError
from engine.tasks.runner import pick, spec_digest

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


def prompt_for(sentence: str) -> str:
    """The sentence as the model was trained to read it: ending in " ." and then " =>"."""
    words = WordTokenizer.split(sentence)
    if words[-2:] == ["=", ">"]:
        return sentence.strip()
    text = sentence.strip()
    if not words or words[-1] != ".":
        text += " ."
    return f"{text} {SEPARATOR}"
