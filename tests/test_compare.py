"""engine.compare and engine.verdict: two variants trained side by side, and the verdict computed
from the numbers.

Real runs check the classic results that are reliable at a small budget (150 steps of the
2-layer, 64-wide model on the bundled sample); the verdict's rules are checked on synthetic
numbers, where every threshold can be crossed on purpose.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import compare as cmp
from engine.compare import Variant, VariantResult, compare
from engine.errors import ConfigError
from engine.events import (
    ComparisonDone,
    EvalDone,
    VariantDone,
    VariantEval,
    VariantReady,
    VariantStep,
)
from engine.verdict import CLEARLY, CLOSE, future_attention, real_word_share, verdict, words_of

STEPS = 150


def run(a: dict, b: dict, steps: int = STEPS, **kwargs) -> tuple[list, ComparisonDone]:
    events = list(compare(Variant("A", a), Variant("B", b), steps=steps, **kwargs))
    done = events[-1]
    assert isinstance(done, ComparisonDone)
    return events, done


@pytest.fixture(scope="module")
def cheat() -> tuple[list, ComparisonDone]:
    return run({}, {"mask": "anti_causal"})


# -- real runs ------------------------------------------------------------------------------
def test_anti_causal_cheats_and_the_verdict_says_so(cheat):
    _, done = cheat
    a, b = done.results
    assert b.final_train < 0.5 * a.final_train  # the loss collapses ...
    assert a.final_train < 2.8  # (the honest model did learn)
    assert b.real_word_share <= a.real_word_share - 0.05  # ... but it cannot write
    assert b.future_attention > 0.5 and a.future_attention < 1e-6
    assert "B reads the answer from the future (it cheats)" in done.verdict[0]
    assert done.verdict[0].startswith(f"B's training loss ended at {b.final_train:.2f}")
    assert done.verdict[-1].startswith("Real words in the samples: A ")


def test_the_two_runs_progress_together_on_equal_terms(cheat):
    events, done = cheat
    steps = [(e.name, e.step) for e in events if isinstance(e, VariantStep)]
    assert steps[:4] == [("A", 1), ("B", 1), ("A", 2), ("B", 2)]
    assert len(steps) == 2 * STEPS
    ready = [e for e in events if isinstance(e, VariantReady)]
    assert [e.name for e in ready] == ["A", "B"] and ready[0].parameters == ready[1].parameters
    evals = [(e.name, e.eval.step) for e in events if isinstance(e, VariantEval)]
    assert evals == [(n, s) for s in (50, 100, 150) for n in ("A", "B")]
    assert [e.name for e in events if isinstance(e, VariantDone)] == ["A", "B"]
    for r in done.results:
        assert r.steps == list(range(1, STEPS + 1)) and len(r.train_loss) == STEPS
        assert len(r.sample) >= cmp.SAMPLE_CHARS
        assert r.attention.shape == (len(cmp.PROBE), len(cmp.PROBE))
        assert r.tokens == list(cmp.PROBE)
        assert np.allclose(r.attention.sum(axis=1), 1.0, atol=1e-4)
        assert r.visible is not None and r.visible.shape == r.attention.shape
        assert not r.diverged
    a, b = done.results
    assert np.all(a.attention[~a.visible] == 0) and np.all(b.attention[~b.visible] == 0)
    assert np.array_equal(a.visible, np.tril(np.ones_like(a.visible)))


def test_two_identical_variants_train_identically():
    """The same initial weights, batches and seed: only the settings can make a difference."""
    _, done = run({"dropout": 0.1}, {"dropout": 0.1}, steps=6, eval_interval=3)
    a, b = done.results
    assert a.train_loss == b.train_loss and a.sample == b.sample
    assert [e.val_loss for e in a.evals] == [e.val_loss for e in b.evals]
    assert done.verdict[0].startswith("A and B end within 0.05")


def test_negated_score_ends_close_to_scaled_dot():
    _, done = run({}, {"score": "negated"})
    a, b = done.results
    assert abs(a.final_val - b.final_val) <= CLOSE
    assert done.verdict[0].startswith("A and B end within 0.05 of each other in validation loss")
    assert "query and key matrices can absorb" in done.verdict[0]


def test_without_the_residual_connection_it_trains_worse():
    _, done = run({}, {"residual": False})
    a, b = done.results
    assert b.final_val > a.final_val + CLEARLY
    assert done.verdict[0] == (
        f"B trains worse: validation loss {b.final_val:.2f} against {a.final_val:.2f}."
    )


def test_a_custom_mask_with_an_empty_row_trains_without_nan():
    mask = np.tril(np.ones((32, 32), dtype=bool))
    mask[3] = False
    events, done = run({}, {"mask": tuple(map(tuple, mask.tolist()))}, steps=4, eval_interval=2)
    b = done.results[1]
    assert b.empty_rows == [3] and not b.diverged
    assert all(math.isfinite(x) for x in b.train_loss)
    assert np.all(b.attention[3] == 0) and np.isfinite(b.attention).all()


def test_stopping_between_events_is_immediate(monkeypatch):
    """close() between two events, as a cancelled worker does: not one more step trains."""
    from engine import gpt_run

    steps = []  # a batch drawn is a step begun
    real = gpt_run.GPTRun._train_batch

    def counted(run):
        steps.append(run)
        return real(run)

    monkeypatch.setattr(gpt_run.GPTRun, "_train_batch", counted)
    events = compare(Variant("A", {}), Variant("B", {"mask": "none"}), steps=1000)
    for event in events:
        if isinstance(event, VariantStep) and event.step == 3:
            break
    trained = len(steps)
    events.close()
    assert 3 <= trained <= 8  # both variants, a few steps each
    assert len(steps) == trained
    with pytest.raises(StopIteration):
        next(events)  # a closed run gives nothing more
    assert len(steps) == trained


def test_bad_settings_are_engine_errors_before_any_step():
    with pytest.raises(ConfigError, match="unknown model setting 'heads'"):
        list(compare(Variant("A", {}), Variant("B", {"heads": 2}), steps=2))
    with pytest.raises(ConfigError, match="steps must be at least 1"):
        list(compare(Variant("A", {}), Variant("B", {}), steps=0))
    with pytest.raises(ConfigError, match="different names"):
        list(compare(Variant("A", {}), Variant("A", {}), steps=2))
    with pytest.raises(ConfigError, match="not divisible"):
        list(compare(Variant("A", {}), Variant("B", {"n_head": 3}), steps=2))


# -- the measures ---------------------------------------------------------------------------
def test_real_word_share_counts_words_of_the_text():
    vocabulary = set(words_of("To be, or not to be: that is the question."))
    assert real_word_share("to BE or not! xqzt", vocabulary) == pytest.approx(4 / 5)
    assert real_word_share("\n\n... --", vocabulary) == 0.0  # no words at all
    assert real_word_share("qqq zzz", vocabulary) == 0.0
    # one-letter words are left out: letter soup is not writing, though "a" and "I" are words
    assert real_word_share("a b I o c to be", vocabulary | {"a", "i"}) == 1.0
    assert real_word_share("a I o t e", vocabulary | {"a", "i"}) == 0.0


def test_future_attention_is_the_weight_on_later_positions():
    causal = np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None]
    assert future_attention(causal) == 0.0
    assert future_attention(np.eye(4)[:, ::-1]) == pytest.approx(0.5)  # rows 0, 1 look ahead


# -- the verdict's rules, on synthetic numbers ----------------------------------------------
def result(
    name: str,
    train: float,
    val: float,
    words: float,
    future: float = 0.0,
    diverged: str = "",
    **model,
) -> VariantResult:
    return VariantResult(
        variant=Variant(name, model),
        steps=[1, 2],
        train_loss=[4.0, train],
        evals=[EvalDone(2, train, val)],
        sample="",
        attention=np.eye(2),
        tokens=["a", "b"],
        real_word_share=words,
        future_attention=future,
        diverged=diverged,
    )


def test_verdict_far_lower_loss_and_garbage_is_a_cheat():
    a = result("A", 2.56, 2.60, 0.61)
    b = result("B", 1.02, 1.00, 0.08, future=0.85, mask="anti_causal")
    v = verdict(a, b)
    assert v[0] == (
        "B's training loss ended at 1.02, far below A's 2.56, but only 8% of its sample's "
        "words are real words against 61% for A: B reads the answer from the future (it cheats)."
    )
    assert v[1] == "On the probe text B puts 85% of its attention on later characters (A: 0%)."
    assert v[-1] == "Real words in the samples: A 61%, B 8%."
    # the roles swapped: A is the one named
    swapped = verdict(result("A", 1.02, 1.0, 0.08, future=0.85), result("B", 2.56, 2.6, 0.61))
    assert swapped[0].startswith("A's training loss ended at 1.02, far below B's 2.56")
    assert swapped[0].endswith("A reads the answer from the future (it cheats).")


def test_verdict_lower_loss_with_as_many_words_is_just_better():
    a = result("A", 2.56, 2.60, 0.20)
    b = result("B", 1.90, 1.95, 0.40)  # far lower loss, and it writes better: no cheat
    assert verdict(a, b)[0] == "A trains worse: validation loss 2.60 against 1.95."
    # fewer words but not clearly fewer (2% against 4%): no cheat either
    assert "cheats" not in verdict(result("A", 2.9, 2.9, 0.04), result("B", 2.0, 2.0, 0.02))[0]


def test_verdict_close_losses_with_one_change_give_its_reason():
    a = result("A", 2.30, 2.31, 0.2)
    b = result("B", 2.31, 2.33, 0.2, score="negated")
    assert verdict(a, b)[0] == (
        "A and B end within 0.05 of each other in validation loss (2.31 vs 2.33): the learned "
        "query and key matrices can absorb this change of score."
    )
    squared = verdict(a, result("B", 2.31, 2.33, 0.2, score="squared"))[0]
    assert squared.endswith(
        "no query or key matrix can undo this change of score, yet at this size the model "
        "learns to work about as well with the other similarity."
    )
    two_changes = result("B", 2.31, 2.33, 0.2, score="negated", n_head=1)
    assert verdict(a, two_changes)[0].endswith("(2.31 vs 2.33).")


@pytest.mark.parametrize(
    "change",
    [{"positional": "sincos"}, {"n_head": 1}, {"dropout": 0.2}, {"residual": False},
     {"mask": "none"}],  # fmt: skip
    ids=lambda c: next(iter(c)),
)
def test_close_losses_after_another_change_are_said_without_an_unmeasured_reason(change):
    """Only what was measured: the closeness, no story of why (the run measures none)."""
    close = verdict(result("A", 2.30, 2.31, 0.2), result("B", 2.31, 2.33, 0.2, **change))[0]
    assert close == "A and B end within 0.05 of each other in validation loss (2.31 vs 2.33)."


def test_verdict_worse_and_slightly_worse():
    a = result("A", 2.30, 2.31, 0.2)
    assert verdict(a, result("B", 2.70, 2.71, 0.2, residual=False))[0] == (
        "B trains worse: validation loss 2.71 against 2.31."
    )
    assert verdict(a, result("B", 2.39, 2.41, 0.2))[0] == (
        "B trains slightly worse: validation loss 2.41 against 2.31."
    )


def test_verdict_partial_cheat_needs_attention_ahead():
    a = result("A", 2.43, 2.48, 0.22)
    b = result("B", 2.35, 2.39, 0.0, future=0.48, mask="none")
    first = verdict(a, b)[0]
    assert first.startswith("B's validation loss is no worse than A's (2.39 vs 2.48)")
    assert "48% of its attention on the probe goes to later characters" in first
    looking_back = result("B", 2.35, 2.39, 0.0, future=0.0)
    assert (
        verdict(a, looking_back)[0] == "A trains slightly worse: validation loss 2.48 against 2.39."
    )


def test_verdict_divergence_and_overfitting():
    a = result("A", 2.3, 2.3, 0.2)
    b = result("B", math.nan, math.nan, 0.0, diverged="at step 40: the loss is NaN")
    v = verdict(a, b)
    assert v[0] == "B diverged (at step 40: the loss is NaN), so its loss cannot be compared."
    assert len(v) == 2
    v = verdict(result("A", 1.2, 1.6, 0.5), result("B", 1.3, 1.62, 0.5))
    assert "A overfits: validation loss 1.60, training 1.20." in v
    assert "B overfits: validation loss 1.62, training 1.30." in v


def test_interleaving_changes_nothing_even_with_dropout():
    """Each run keeps its own random stream: together or one after the other, the same."""
    a, b = {"dropout": 0.2}, {"dropout": 0.2, "mask": "window:4"}
    _, together = run(a, b, steps=5, eval_interval=5)
    _, apart = run(a, b, steps=5, eval_interval=5, interleave=False)
    for x, y in zip(together.results, apart.results):
        assert x.train_loss == y.train_loss and x.sample == y.sample
