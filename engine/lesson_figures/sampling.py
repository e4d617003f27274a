"""The experiments behind lesson 9: a tiny GPT trained on the bundled sample in the Sampling
pane, which writes a sample every 100 steps.

The lesson's first step sets the pane up (preset tiny, its 2,500 steps, corpus sample, a
sample every 100 steps at temperature 0.8, no top-k, prompt ROMEO:) and the learner presses s:
the pane builds the run with `GPTRun.start`, writes one sample from the random weights and
trains (`tui/panes/sampling/work.py`, `train_new`). The experiments do the same. The steps on
temperature, top-k and greedy quote no figures.
"""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING

from engine.lesson_figures.registry import Values, experiment

if TYPE_CHECKING:
    from engine.gpt_run import GPTRun

PRESET, CORPUS, EVERY, TEMPERATURE, PROMPT = "tiny", "sample", 100, 0.8, "ROMEO:"
SAMPLE_TOKENS = 200  # the pane's characters per sample while training (work.SAMPLE_TOKENS)
WORDS_BY = 1000  # the step by which the lesson says the samples are mostly words


def _start() -> GPTRun:
    """The run the pane starts with lesson 9's first step: the preset's own steps (the pane's
    max-steps field shows them), sampling as the live fields say."""
    from engine.gpt_run import GPTRun
    from engine.sample import SampleSettings
    from engine.train_config import PRESETS

    steps = PRESETS[PRESET][1]["max_iters"]
    run = GPTRun.start(CORPUS, preset=PRESET, train={"max_iters": steps})
    run.set_sampling(SampleSettings(EVERY, SAMPLE_TOKENS, PROMPT, TEMPERATURE, None, None))
    return run


@experiment()
def sampling_start() -> Values:
    """The tiny GPT on the bundled sample (seed 1337), as the Sampling pane builds it: its
    characters (vocab), the uniform guess's loss the line under the chart shows (ln vocab),
    and the loss of its first training step."""
    from engine.events import StepDone

    run = _start()
    vocab = run.tokenizer.vocab_size
    first = next(e for e in run.events() if isinstance(e, StepDone))
    return {"vocab": vocab, "uniform_loss": math.log(vocab), "first_loss": first.loss}


def first_sample(run: GPTRun, text: str) -> Values:
    """What the lesson says of the sample at step 100: the share of its words (two letters or
    more) that are words of the training text, and its speakers' names (a line of capitals
    ending in a colon, after the prompt's), the layout of a play."""
    from engine.verdict import real_word_share, words_of

    vocabulary = set(words_of(run.tokenizer.decode(run.train_ids.tolist())))
    written = text.removeprefix(PROMPT)
    names = re.findall(r"^[A-Z][A-Z ]+:$", written, flags=re.MULTILINE)
    return {"real_words_100": 100 * real_word_share(written, vocabulary), "names_100": len(names)}


@experiment(slow=True)
def sampling_tiny() -> Values:
    """The tiny GPT trained on the bundled sample for its 2,500 steps (seed 1337) as the
    Sampling pane trains it, with a 200-character sample at temperature 0.8 every 100 steps:
    every evaluation's train and validation loss, and the CPU time (one thread: the wall time
    on a free core, however busy the machine) from building the run to the step-1,000 sample
    and to the end."""
    from engine.events import EvalDone, Sampled

    began = time.process_time()
    run = _start()
    run.sample_now()  # the pane writes one from the random weights first
    values: Values = {}
    for event in run.events():
        if isinstance(event, EvalDone):
            values[f"train_loss_{event.step}"] = event.train_loss
            values[f"val_loss_{event.step}"] = event.val_loss
        elif isinstance(event, Sampled) and event.step == EVERY:
            values |= first_sample(run, event.text)
        elif isinstance(event, Sampled) and event.step == WORDS_BY:
            values["seconds_1000"] = time.process_time() - began
    values["minutes"] = (time.process_time() - began) / 60
    values["steps"] = run.step
    return values
