"""The experiments behind lesson 8: the ladder of "Let's build GPT" in the Build pane.

The lesson sets up the quick ladder (rungs 1-6, 1,500 steps a rung, the bundled sample, seed
1337) and quotes the first three rungs' losses, the size of rung 2, the loss of a uniform guess
and the lecture's figure for every rung; tests/test_ladder_lesson.py measures the same values
from its own run of those rungs.
"""

from __future__ import annotations

import math

from engine.lesson_figures.registry import Values, experiment

CORPUS, ITERS, SEED = "sample", 1500, 1337  # lesson 8's first step: corpus, iters, seed
TRAINED = "1-6"  # the quick ladder as the pane climbs it; the lesson quotes rungs 1-3


@experiment()
def ladder_lecture() -> Values:
    """The lecture's val loss per rung (rung_1 to rung_7) as the Build pane's table lists it.

    engine.ladder.RUNGS holds them; nothing is trained."""
    from engine.ladder import RUNGS

    return {f"rung_{rung.number}": rung.lecture for rung in RUNGS}


@experiment()
def ladder_models() -> Values:
    """Untrained: ln of the sample's vocabulary (a uniform guess) and each rung's parameters.

    The rungs are built as the Build pane builds them (seed 1337): parameters_1 to _7."""
    from engine.ladder import RUNGS, build, load_data, parameters
    from engine.ladder_pieces import Pieces

    data = load_data(CORPUS)
    vocab = data.tokenizer.vocab_size
    values = {"vocab": vocab, "uniform_loss": math.log(vocab)}
    for rung in RUNGS:
        model, _ = build(rung, vocab, Pieces(), SEED)
        values[f"parameters_{rung.number}"] = parameters(model)
    return values


@experiment(slow=True)
def ladder_quick() -> Values:
    """The Build pane's quick ladder, rungs 1-6, trained: first and last val loss of rungs 1-3,
    and the processor minutes of the whole climb (the pane's help quotes them).

    1,500 steps a rung (the bigram 900), the bundled sample, seed 1337, float64, through
    engine.ladder.climb as the pane trains them; each rung's val loss over 200 batches at its
    first and last estimate, its steps and parameters."""
    import time

    from engine.events import LadderDone
    from engine.ladder import climb, get_rungs, load_data, quick

    data = load_data(CORPUS)
    rungs = [quick(rung, ITERS) for rung in get_rungs(TRAINED)]
    began = time.process_time()
    (done,) = [e for e in climb(rungs, data, seed=SEED) if isinstance(e, LadderDone)]
    values = {"cpu_minutes": (time.process_time() - began) / 60}
    for result, name in zip(done.results, ("bigram", "one_head", "multi_head")):
        values |= {
            f"{name}_start": result.history[0].val_loss,
            f"{name}_val": result.val_loss,
            f"{name}_steps": result.steps,
            f"{name}_parameters": result.parameters,
        }
    return values
