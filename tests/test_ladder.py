"""The ladder of "Let's build GPT": each rung's model is what the lecture writes, trains, and
can be built from a learner's classes that then follow the reference's curve exactly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from torch import nn

from engine.errors import ConfigError
from engine.events import LadderDone, RungDone, RungStarted, RungStep
from engine.ladder import RUNGS, LadderError, build, climb, get_rungs, load_data, quick, train_rung
from engine.ladder_mine import find_mine
from engine.ladder_pieces import Head, LayerNorm, Pieces

MISTAKES = Path(__file__).resolve().parent / "exercise_mistakes"
LEARNER_HEAD = (MISTAKES / "head_ok.py").read_text()  # other arithmetic than the engine's
NO_MASK_HEAD = (MISTAKES / "head_no_mask.py").read_text()


@pytest.fixture(scope="module")
def data():
    return load_data("sample")


def short(number: int, steps: int = 40, every: int = 20):
    return replace(RUNGS[number - 1], steps=steps, eval_interval=every)


def results(events) -> list:
    return [e.result for e in events if isinstance(e, RungDone)]


def write_head(folder: Path, text: str = LEARNER_HEAD) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "head.py").write_text(text)
    return folder


# -- the rungs ------------------------------------------------------------------------------
def test_rungs_are_chosen_by_number_and_ranges():
    assert [r.number for r in get_rungs("1-6")] == [1, 2, 3, 4, 5, 6]
    assert [r.number for r in get_rungs("5,1, 3-4")] == [1, 3, 4, 5]
    for bad in ("0", "8", "3-1", "x", "1-"):
        with pytest.raises(ConfigError, match="--rungs"):
            get_rungs(bad)


def test_a_quick_ladder_keeps_the_lectures_proportions():
    bigram, head = quick(RUNGS[0], 1500), quick(RUNGS[1], 1500)
    assert (bigram.steps, head.steps) == (900, 1500)
    assert bigram.lr == 1e-2 and head.lr == 1e-3
    assert head.eval_interval == 150
    with pytest.raises(ConfigError, match="--iters"):
        quick(RUNGS[0], 0)


@pytest.mark.parametrize("rung", RUNGS, ids=lambda r: r.name)
def test_every_rung_predicts_each_next_character_without_seeing_the_future(rung):
    torch.manual_seed(0)
    model = rung.build(65, Pieces()).eval()
    T = rung.block_size
    x = torch.randint(65, (2, T))
    logits, loss = model(x, x)
    assert logits.shape == (2, T, 65) and loss.ndim == 0
    changed = x.clone()
    changed[:, T // 2 :] = (changed[:, T // 2 :] + 1) % 65
    with torch.no_grad():
        after, _ = model(changed)
    # positions before the change read only what did not change
    assert torch.allclose(logits[:, : T // 2], after[:, : T // 2], atol=1e-6)


def test_the_bigram_is_one_row_of_logits_per_character():
    model = RUNGS[0].build(65, Pieces())
    assert sum(p.numel() for p in model.parameters()) == 65 * 65


def test_layer_norm_written_out_equals_torchs():
    x = torch.randn(3, 5, 16)
    ours, theirs = LayerNorm(16), nn.LayerNorm(16)
    with torch.no_grad():
        ours.gamma.uniform_(0.5, 1.5)
        ours.beta.uniform_(-1, 1)
        theirs.weight.copy_(ours.gamma)
        theirs.bias.copy_(ours.beta)
    assert torch.allclose(ours(x), theirs(x), atol=1e-6)


# -- training -------------------------------------------------------------------------------
def test_a_rung_trains_and_says_so_in_order(data):
    events = list(climb([short(1, 60), short(2, 40)], data))
    kinds = [type(e) for e in events]
    assert kinds[0] is RungStarted and kinds[-1] is LadderDone
    assert kinds.count(RungStarted) == 2 and kinds.count(RungDone) == 2
    assert sum(k is RungStep for k in kinds) == 100
    bigram, head = events[-1].results
    for result in (bigram, head):
        first, last = result.history[0], result.history[-1]
        assert last.val_loss < first.val_loss - 0.05  # it learned
        assert last.step == result.steps
        assert len(result.sample) == 200 and result.theirs == []
    assert bigram.parameters == data.tokenizer.vocab_size**2


def test_the_same_seed_gives_the_same_ladder(data):
    a, b = (results(train_rung(short(3, 30, 10), data, seed=7)) for _ in range(2))
    assert [e.val_loss for e in a[0].history] == [e.val_loss for e in b[0].history]
    assert a[0].sample == b[0].sample


# -- the learner's pieces -------------------------------------------------------------------
def test_a_correct_head_follows_the_reference_curve(data, tmp_path: Path):
    mine = find_mine(write_head(tmp_path / "mine"))
    for number in (2, 3):
        ref = results(train_rung(short(number, 60, 20), data))[0]
        yours = results(train_rung(short(number, 60, 20), data, pieces=mine.pieces))[0]
        assert yours.theirs == ["head"]
        assert len(yours.history) == len(ref.history) == 4
        for a, b in zip(ref.history, yours.history):
            assert abs(a.val_loss - b.val_loss) < 1e-3


def test_a_head_without_its_mask_parts_from_the_reference(data, tmp_path: Path):
    mine = find_mine(write_head(tmp_path / "wrong", NO_MASK_HEAD))
    ref = results(train_rung(short(2, 60, 20), data))[0]
    yours = results(train_rung(short(2, 60, 20), data, pieces=mine.pieces))[0]
    assert abs(ref.history[0].val_loss - yours.history[0].val_loss) > 1e-3  # reads the future
    assert yours.val_loss < ref.val_loss  # ... so its loss falls faster: the answer is in view


def test_a_learners_class_starts_from_the_reference_weights(tmp_path: Path):
    mine = find_mine(write_head(tmp_path / "mine"))
    ref, _ = build(RUNGS[1], 65, Pieces(), seed=3)
    yours, theirs = build(RUNGS[1], 65, mine.pieces, seed=3)
    assert theirs == ["head"] and type(yours.sa_head) is not Head
    for (name, a), (_, b) in zip(ref.named_parameters(), yours.named_parameters()):
        assert torch.equal(a, b), name


def test_other_attribute_names_are_refused_in_one_line(tmp_path: Path):
    renamed = LEARNER_HEAD.replace("self.key", "self.k")
    mine = find_mine(write_head(tmp_path / "renamed", renamed))
    with pytest.raises(LadderError, match="missing sa_head.key.weight") as info:
        build(RUNGS[1], 65, mine.pieces, seed=0)
    assert "\n" not in str(info.value)


def test_a_folder_without_pieces_or_with_broken_ones_is_one_line(tmp_path: Path):
    cases = {
        "not a folder": tmp_path / "nowhere",
        "none of head.py": tmp_path,
    }
    for words, folder in cases.items():
        with pytest.raises(LadderError, match=words):
            find_mine(folder)
    for text, words in (
        ("def head(:\n", "does not compile"),
        ("raise RuntimeError('no')\n", "importing head.py raised RuntimeError: no"),
        ("x = 1\n", "has no class Head"),
        ("Head = 3\n", "not an nn.Module"),
    ):
        folder = write_head(tmp_path / str(abs(hash(text))), text)
        with pytest.raises(LadderError, match=words):
            find_mine(folder)
