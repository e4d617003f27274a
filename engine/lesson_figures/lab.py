"""The Lab's comparisons behind the lessons' figures, and the experiments of lesson 5.

`compare(setup)` runs the comparison a Lab lesson step sets up, as the Lab pane runs it when
the learner presses s: A and B are the standard GPT with the step's changes (`a`, `b`: tables
of score, mask, positional, residual, dropout, n_head; missing or {} is the standard), trained
by `engine.compare.compare` for the step's `steps` (300 when the step gives none, the pane's
default) with compare's own seed, corpus and model. It returns the numbers the Lab shows (its
status line, legends and verdict) as plain floats, and is cached per setup within the process,
so lessons that quote the same run share one. Other lesson modules import it:

    from engine.lesson_figures.lab import compare
    values = compare({"a": {}, "b": {"mask": "anti_causal"}, "steps": 300})
    values["b_val_loss"]

`comparison(setup)` is the same run's `ComparisonDone` itself (results, verdict sentences) and
its times, for an experiment that needs more than the numbers.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from engine.lesson_figures.registry import Values, experiment

if TYPE_CHECKING:
    from engine.events import ComparisonDone

LAB_DEFAULT_STEPS = 300  # the Lab pane's steps field before anything changes it
# canonical setup -> (done, wall-clock seconds, CPU seconds)
_RUNS: dict[str, tuple[ComparisonDone, float, float]] = {}


def _variant_settings(model: Any) -> dict[str, Any]:
    """The pane's full settings for a lesson table of changes: the standard GPT's, then those."""
    from engine.variants import STANDARD

    model = dict(model or {})
    mask = model.get("mask")
    if isinstance(mask, (list, tuple)):
        model["mask"] = tuple(tuple(bool(c) for c in row) for row in mask)
    return {**STANDARD, **model}


def _key(setup: dict[str, Any]) -> str:
    return json.dumps(
        {
            "a": _variant_settings(setup.get("a")),
            "b": _variant_settings(setup.get("b")),
            "steps": int(setup.get("steps", LAB_DEFAULT_STEPS)),
        },
        sort_keys=True,
        default=list,
    )


def comparison(setup: dict[str, Any]) -> tuple[ComparisonDone, float, float]:
    """The Lab's comparison for a lesson step's `setup` (keys a, b, steps; others, such as
    tab, ignored), the seconds it took end to end, as the Lab's "Done in N s" counts them, and
    its processor seconds; run once per process for each distinct setup."""
    key = _key(setup)
    if key not in _RUNS:
        # PyTorch and the engine load before the clock starts, as in the app, where they have
        # loaded before the Lab's s can start a comparison
        import engine.gpt_run  # noqa: F401
        from engine.compare import Variant
        from engine.compare import compare as lab_compare
        from engine.events import ComparisonDone

        settings = json.loads(key)
        a = _variant_settings(settings["a"])
        b = _variant_settings(settings["b"])
        began, cpu_began = time.perf_counter(), time.process_time()
        done = None
        # the pane's worker: compare(Variant("A", a), Variant("B", b), steps=steps)
        for event in lab_compare(Variant("A", a), Variant("B", b), steps=settings["steps"]):
            if isinstance(event, ComparisonDone):
                done = event
        assert done is not None
        _RUNS[key] = (done, time.perf_counter() - began, time.process_time() - cpu_began)
    return _RUNS[key]


def compare(setup: dict[str, Any]) -> dict[str, float]:
    """The numbers the Lab shows for a lesson step's `setup` (see `comparison`), by name:

    - `a_train_loss`, `a_val_loss`, `b_...`: the final evaluation's losses (the status line
      and the verdict show them to 2 decimals); `a_step_loss`, `b_step_loss`: the last
      mini-batch loss (the end of the curve);
    - `a_real_words`, `b_real_words`: the share of real words in each sample, in % (the
      verdict's last sentence); `a_future_attention`, `b_future_attention`: the attention on
      later characters of the probe, in %; `a_parameters`, `b_parameters`;
    - the verdict: `val_gap` (B's validation loss minus A's); `same` (1 when the verdict
      calls them the same result: within CLOSE, nothing diverged, no cheat); `absorbed` (1
      when it says the learned query and key matrices absorb the change); `not_undone` (1
      when it says no matrix can undo it, yet the model works about as well); `a_worse`,
      `b_worse` (1: that one "trains worse", 0.5: "slightly worse"); `a_cheats`, `b_cheats`
      (1 full, 0.5 partial); `a_overfits`, `b_overfits`; `a_diverged`, `b_diverged`;
    - `seconds`: wall-clock of the whole comparison; `cpu_seconds`: the processor time it
      took, which on one thread is the wall-clock a machine doing nothing else would show
      (other work on a busy machine stretches `seconds`, not this); `a_seconds`, `b_seconds`:
      each variant's training time (wall-clock).
    """
    from engine.verdict import _WHY_SAME, CLEARLY, CLOSE, OVERFIT_GAP, cheats

    done, seconds, cpu_seconds = comparison(setup)
    a, b = done.results
    text = " ".join(done.verdict)
    gap = b.final_val - a.final_val
    broken = bool(a.diverged or b.diverged)
    kinds = {"A": "", "B": ""} if broken else {"A": cheats(a, b), "B": cheats(b, a)}
    # the verdict compares the losses only when nothing diverged and neither cheats
    compared = not broken and not any(kinds.values())
    values: Values = {
        "val_gap": gap,
        "same": float(compared and abs(gap) <= CLOSE),
        "absorbed": float(_WHY_SAME["score"] in text),
        "not_undone": float(_WHY_SAME["score-new"] in text),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }
    for r, other in ((a, b), (b, a)):
        n = r.name.lower()
        worse = r.final_val - other.final_val
        values |= {
            f"{n}_train_loss": r.final_train,
            f"{n}_val_loss": r.final_val,
            f"{n}_step_loss": r.train_loss[-1] if r.train_loss else float("nan"),
            f"{n}_real_words": 100 * r.real_word_share,
            f"{n}_future_attention": 100 * r.future_attention,
            f"{n}_parameters": float(r.parameters),
            f"{n}_seconds": r.seconds,
            f"{n}_diverged": float(bool(r.diverged)),
            f"{n}_cheats": {"full": 1.0, "partial": 0.5}.get(kinds[r.name], 0.0),
            f"{n}_overfits": float(not r.diverged and r.final_val - r.final_train > OVERFIT_GAP),
            f"{n}_worse": 0.0
            if not compared or worse <= CLOSE
            else (0.5 if worse <= CLEARLY else 1.0),
        }
    return values


# -- lesson 5: what if the score changed? -------------------------------------------------------
# The Lab steps of lessons/05-what-if.md, as their front matter sets them up; the squared runs
# are the ones the learner sets up in the last step (B's score squared; then 3,000 steps).
NEGATED = {"a": {}, "b": {"score": "negated"}, "steps": 300}
REVERSED = {"a": {}, "b": {"score": "reversed"}, "steps": 300}
SQUARED = {"a": {}, "b": {"score": "squared"}, "steps": 300}
SQUARED_LONG = {"a": {}, "b": {"score": "squared"}, "steps": 3000}


@experiment(slow=True)
def lab_negated() -> Values:
    """The Lab, A standard against B with the negated score, 300 steps, seed 1337, as the pane
    runs it (engine.compare): final train and validation losses, the verdict's measures and the
    time the comparison took (wall-clock, and CPU: what an idle machine would take)."""
    return compare(NEGATED)


@experiment(slow=True)
def lab_reversed() -> Values:
    """The Lab, A standard against B with the reversed score, 300 steps, seed 1337, as the pane
    runs it (engine.compare): final train and validation losses and the verdict's measures."""
    return compare(REVERSED)


@experiment(slow=True)
def lab_squared() -> Values:
    """The Lab, A standard against B with the squared score, 300 steps, seed 1337, as the pane
    runs it (engine.compare): final train and validation losses and the verdict's measures."""
    return compare(SQUARED)


@experiment(slow=True)
def lab_squared_long() -> Values:
    """The Lab, A standard against B with the squared score, 3,000 steps, seed 1337, as the
    pane runs it (engine.compare): final losses, the verdict's measures, and the time the
    comparison took (wall-clock, and CPU: what an idle machine would take), also in minutes."""
    values = compare(SQUARED_LONG)
    return values | {"minutes": values["seconds"] / 60, "cpu_minutes": values["cpu_seconds"] / 60}
