"""The experiments behind lesson 10: the number translator in the Attention pane's Translate tab.

Each step of the lesson sets the tab's words; the tab loads the shipped translator
(`engine/pretrained/numbers-seq2seq.pt`) and shows `engine.tasks.translation.read` of them:
the digits written, whether the number was held out, both decoder layers' cross-attention
(each the mean of its heads) and, beside them, the word each digit reads most in the last
layer. `translate_shipped` reads the same; `translate_training` runs what the lesson says made
the model, and what its last step asks the learner to run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lesson_figures.registry import Values, experiment

if TYPE_CHECKING:
    from engine.tasks.translation import Translation

EXAMPLE = "three hundred forty two"
TRIES = {  # the other words the lesson's steps give, by the value that names the answer
    "nine_thousand_five": "nine thousand five",
    "two_thousand_twelve": "two thousand twelve",
    "four_thousand_thirty": "four thousand thirty",
    "nineteen_hundred": "nineteen hundred",
}


def _answer(translation: Translation) -> float:
    """The number the translator wrote (-1 when it wrote no number)."""
    return float(translation.text) if translation.text.isdigit() else -1.0


def _reads(translation: Translation, index: int, word: str) -> float:
    """The weight beside digit `index` in the tab's lines (layer 2's mean), if the word it
    names is `word`; -1 if it names another, so a figure quoting it cannot hold."""
    _, named, weight = translation.aligned[index]
    return weight if named == word else -1.0


@experiment()
def translate_shipped() -> Values:
    """The shipped translator as the Translate tab reads it (translation.read, on the CPU):
    for "three hundred forty two" the answer, whether it was held out, the largest cell of
    layer 1's mean map, the weight beside each digit if it names the lesson's word (3 three,
    4 forty, 2 two) and the most a digit gives "hundred" in layer 2; the answers for the
    lesson's other words."""
    from engine.tasks import translation, translator

    model = translator.load_translator(translator.PRETRAINED, "cpu")
    t = translation.read(model, EXAMPLE)
    digits = [i for i, token in enumerate(t.digits) if token.isdigit()]
    layer_2 = t.weights[1].mean(axis=0)  # (digits written, words)
    values: Values = {
        "answer": _answer(t),
        "heldout": float(bool(t.heldout)),
        "layer_1_max": float(t.weights[0].mean(axis=0).max()),
        "three_for_3": _reads(t, 0, "three"),
        "forty_for_4": _reads(t, 1, "forty"),
        "two_for_2": _reads(t, 2, "two"),
        "hundred_max": float(layer_2[digits, t.words.index("hundred")].max()),
    }
    for name, words in TRIES.items():
        values[name] = _answer(translation.read(model, words))
    return values


@experiment(slow=True)
def translate_training() -> Values:
    """`learn-gpt train translate` as the lesson runs it (train_translator, 1,500 steps of 64,
    on one thread), with seed 0 (the shipped model's) and seed 1 (the last step's): the CPU
    seconds of each (one thread: the wall time on a free core, however busy the machine) and
    its final held-out exact-match accuracy."""
    import time

    from engine.events import TranslatorTrained
    from engine.tasks import translator

    values: Values = {}
    for seed in (0, 1):
        began = time.process_time()
        (done,) = [e for e in translator.train_translator(seed) if isinstance(e, TranslatorTrained)]
        values[f"seconds_seed_{seed}"] = time.process_time() - began
        values[f"heldout_accuracy_seed_{seed}"] = done.heldout_accuracy
    return values
