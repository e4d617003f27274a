"""Heads that copy: the repeated-stretch data, the head scores, ablation, and the run itself
(two layers learn to copy in a jump; one layer does not)."""

from __future__ import annotations

import pytest
import torch

from engine.errors import ConfigError
from engine.events import InductionStarted, InductionTrained
from engine.induction import (
    FELL_BELOW,
    INDUCTION_HEAD,
    AttentionOnly,
    copied_stretch,
    evaluate,
    example,
    head_scores,
    held_out,
    repeats,
    train,
    verdict,
)
from tui.cli import main


def test_every_counted_target_is_the_token_after_the_earlier_copy():
    data = repeats(64, 32, 64, torch.Generator().manual_seed(0))
    b, i = data.copied.nonzero(as_tuple=True)
    assert len(b) >= 64 * 3  # at least MIN_REPEAT - 1 counted positions per sequence
    j = data.source[b, i]
    assert (j <= i).all()  # the answer is in view: at or before the current position
    assert torch.equal(data.x[b, j], data.y[b, i])  # ... and it is the next token
    assert torch.equal(data.x[b, j - 1], data.x[b, i])  # after an earlier copy of this one
    offsets = {int(i0 - j0) for i0, j0 in zip(i, j)}
    assert len(offsets) > 5  # the copy sits at many distances, not one fixed place


def test_scores_read_the_weights_they_are_named_after():
    data = repeats(4, 8, 16, torch.Generator().manual_seed(1))
    T = 8
    previous = torch.zeros(4, 2, T, T)
    previous[:, :, 0, 0] = 1.0
    previous[:, :, torch.arange(1, T), torch.arange(T - 1)] = 1.0  # all weight on i - 1
    copying = torch.zeros(4, 2, T, T)
    copying[:, :, torch.arange(T), torch.arange(T)] = 1.0
    b, i = data.copied.nonzero(as_tuple=True)
    copying[b, :, i] = 0.0
    copying[b, :, i, data.source[b, i]] = 1.0  # the copied positions read the earlier copy
    first, _, second, _ = head_scores([previous, copying], data.copied, data.source)
    assert (first.previous, first.self_) == (1.0, 1 / T)  # only position 0 looks at itself
    assert second.induction == 1.0 and second.layer == 1 and second.name == "layer 2 head 1"


def test_switching_a_head_off_changes_only_what_it_wrote():
    torch.manual_seed(0)
    model = AttentionOnly(2).eval()
    x = held_out(0).x[:8]
    logits, weights = model(x)
    off_logits, off_weights = model(x, frozenset({(1, 2)}))
    assert not torch.allclose(logits, off_logits)
    assert torch.equal(weights[1], off_weights[1])  # the pattern stays; its output is gone
    same, _ = model(x, frozenset())
    assert torch.equal(logits, same)


@pytest.fixture(scope="module")
def runs(induction_runs) -> dict[int, InductionTrained]:
    return induction_runs


def test_a_run_starts_with_its_example_and_evaluates_every_25_steps():
    started, *evals, done = train(2, steps=60, seed=0)
    assert isinstance(started, InductionStarted) and isinstance(done, InductionTrained)
    assert [e.step for e in evals] == [0, 25, 50, 60] and evals == done.history
    assert evals[-1].weights.shape == (2, 4, 32, 32)
    assert (started.example, started.source) == example(held_out(0))


def test_two_layers_learn_to_copy_in_a_jump_and_one_layer_does_not(runs):
    two, one = runs[2].history, runs[1].history
    assert two[0].loss > 3 and two[-1].loss < FELL_BELOW
    best = two[-1].best
    assert best.layer == 1 and best.induction > INDUCTION_HEAD
    assert max(s.previous for s in two[-1].scores if s.layer == 0) > 0.5
    # the loss and the score move together: before the jump no head copies yet
    before = next(e for e in two if e.loss > 3.5 and e.step > 0)
    assert before.best.induction < 0.2
    assert one[-1].loss > 3 and one[-1].best.induction < INDUCTION_HEAD
    assert two[-1].accuracy > 0.8 and one[-1].accuracy < 0.3
    assert "Induction head: layer 2" in "\n".join(verdict(runs[2]))
    assert "No head copies" in "\n".join(verdict(runs[1]))


def test_the_command_prints_each_evaluation_and_refuses_other_depths(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "induction", "--layers", "1", "--steps", "50"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "step     0: loss " in out and "step    50: loss " in out
    assert "best induction score" in out and "No head copies" in out
    with pytest.raises(SystemExit) as done:
        main(["train", "induction", "--layers", "3"])
    assert done.value.code == 2 and "--layers must be 1 or 2" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        next(train(2, steps=0))


def test_the_example_marks_where_each_copied_answer_sits():
    data = held_out(0)
    tokens, source = example(data)
    assert len(tokens) == len(source) == 32
    counted = [i for i, j in enumerate(source) if j >= 0]
    assert counted and all(tokens[source[i] - 1] == tokens[i] for i in counted)
    row = int(data.copied.sum(dim=1).argmax())
    assert tokens == data.x[row].tolist()
    assert sum(j >= 0 for j in source) == data.copied.sum(dim=1).max()  # the longest copy
    assert all(source[i] == -1 for i in range(32) if not data.copied[row, i])
    a, b, n = copied_stretch(source)
    seen = min(n, 32 - b)  # the copy's last token may be only a target, past position 31
    assert tokens[a : a + seen] == tokens[b : b + seen] and b >= a + n and n >= 4


def test_copying_survives_one_head_off_but_not_a_layer(runs):
    """Layer 2's heads copy side by side: one switched off, the others still copy; all of them
    off, the copied loss is back above 3. Layer 1's best previous-token head costs the most."""
    model, data = runs[2].model, held_out(0)
    on = evaluate(model, data)
    layer_2 = [(1, h) for h in range(4)]
    one_off = [evaluate(model, data, frozenset({pair})).loss for pair in layer_2]
    all_off = evaluate(model, data, frozenset(layer_2))
    assert max(one_off) < on.loss + 0.5 and all_off.loss > 3 and all_off.accuracy < 0.3
    previous = max((s for s in on.scores if s.layer == 0), key=lambda s: s.previous)
    costs = {h: evaluate(model, data, frozenset({(0, h)})).loss for h in range(4)}
    assert max(costs, key=costs.get) == previous.head
    assert model.training  # measuring leaves the model as it was
