"""Inside the GPT: head scores on a repeated passage, switching heads off, the logit lens."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from engine.data.sources import PRETRAINED_GPT
from engine.data.text import CharTokenizer
from engine.errors import ConfigError
from engine.gpt import GPT, GPTConfig
from engine.gpt_checkpoint import load_model
from engine.inside import head_scores, logit_lens, look, loss_with_heads_off, repeated_text
from tui.cli import main

SPEECH = "First Citizen:\nBefore we proceed any further, hear me speak.\nAll: Speak, speak."


@pytest.fixture(scope="module")
def shipped():
    return load_model(PRETRAINED_GPT)


@pytest.fixture()
def tiny():
    """A randomly initialised two-layer, two-head GPT over eight letters and a space."""
    torch.manual_seed(0)
    tok = CharTokenizer.from_text("abcdefgh ")
    model = GPT(GPTConfig(vocab_size=tok.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16))
    return model.eval(), tok


def plain_loss(model: GPT, ids: list[int]) -> float:
    """The repeated-half loss from an unhooked forward pass, for comparison."""
    half = len(ids) // 2
    x = torch.tensor([ids])
    with torch.no_grad():
        logits = model(x).logits[0]
    return float(F.cross_entropy(logits[half:-1], x[0, half + 1 :]))


def test_a_repeated_passage_is_its_first_half_twice(shipped):
    model, tok = shipped
    ids = repeated_text(tok, SPEECH, model.config.block_size)
    assert len(ids) == 64 and ids[:32] == ids[32:] == tok.encode(SPEECH)[:32]
    noise = repeated_text(tok, None, 15, seed=3)
    assert len(noise) == 14 and noise[:7] == noise[7:] == repeated_text(tok, None, 15, seed=3)[:7]
    with pytest.raises(ConfigError):
        repeated_text(tok, "short", 64)
    with pytest.raises(ConfigError):
        head_scores(model, ids[:-1])


def test_the_shipped_models_scores_are_mean_weights(shipped):
    model, tok = shipped
    scores = head_scores(model, repeated_text(tok, SPEECH, model.config.block_size))
    assert [(s.layer, s.head) for s in scores] == [(lay, h) for lay in range(4) for h in range(4)]
    for s in scores:
        assert all(0.0 <= v <= 1.0 for v in (s.previous, s.induction, s.self_))


def test_uniform_attention_gives_the_hand_computed_scores(tiny):
    """With c_attn zero, every query weighs its i + 1 visible keys equally: w(i → j) = 1/(i+1)."""
    model, tok = tiny
    for block in model.h:
        torch.nn.init.zeros_(block.attn.c_attn.weight)
    ids = repeated_text(tok, None, 16)
    scores = head_scores(model, ids)
    previous = sum(1 / (i + 1) for i in range(1, 16)) / 15
    self_ = sum(1 / (i + 1) for i in range(16)) / 16
    induction = sum(1 / (i + 1) for i in range(8, 16)) / 8
    for s in scores:
        assert s.previous == pytest.approx(previous, rel=1e-5)
        assert s.self_ == pytest.approx(self_, rel=1e-5)
        assert s.induction == pytest.approx(induction, rel=1e-5)


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_switching_nothing_off_is_the_plain_forward_and_a_head_off_changes_it(which, request):
    model, tok = request.getfixturevalue(which)
    ids = repeated_text(tok, None, model.config.block_size)
    loss, guesses = loss_with_heads_off(model, tok, ids, set())
    assert loss == plain_loss(model, ids)
    half = len(ids) // 2
    assert [i for i, _ in guesses] == [half, half + half // 2, len(ids) - 2]
    off, _ = loss_with_heads_off(model, tok, ids, {(1, 1)})
    assert off != loss
    assert plain_loss(model, ids) == loss  # the hooks are gone afterwards
    assert all(not b.attn.c_proj._forward_pre_hooks for b in model.h)
    with pytest.raises(ConfigError):
        loss_with_heads_off(model, tok, ids, {(0, model.config.n_head)})


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_the_lens_last_stage_is_the_models_output(which, request):
    model, tok = request.getfixturevalue(which)
    ids = repeated_text(tok, None, model.config.block_size)
    position = len(ids) - 3
    lens = logit_lens(model, tok, ids, position, k=5)
    assert [name for name, _ in lens] == ["embeddings"] + [
        f"block {n + 1}" for n in range(model.config.n_layer)
    ]
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor([ids])).logits[0, position], dim=-1)
    values, indices = torch.topk(probs, 5)
    expected = [(tok.decode([int(i)]), float(p)) for p, i in zip(values, indices)]
    assert [c for c, _ in lens[-1][1]] == [c for c, _ in expected]
    assert [p for _, p in lens[-1][1]] == pytest.approx([p for _, p in expected], rel=1e-5)
    assert not model.drop._forward_hooks and all(not b._forward_hooks for b in model.h)


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_a_look_gathers_what_the_pane_shows_with_heads_off(which, request):
    model, tok = request.getfixturevalue(which)
    ids = repeated_text(tok, None, model.config.block_size, seed=1)
    half, position = len(ids) // 2, len(ids) - 3
    plain = look(model, tok, ids, set(), position)
    assert plain.tokens == [tok.decode([i]) for i in ids] and plain.half == half
    assert plain.repeated == plain.repeated_off == plain_loss(model, ids)
    x = torch.tensor([ids])
    with torch.no_grad():
        logits = model(x).logits[0]
    assert plain.first_half == pytest.approx(
        float(F.cross_entropy(logits[: half - 1], x[0, 1:half])), rel=1e-6
    )
    assert plain.lens == logit_lens(model, tok, ids, position)
    off = look(model, tok, ids, {(0, 0), (1, 1)}, position)
    assert off.repeated == plain.repeated and off.repeated_off != plain.repeated
    assert off.scores == plain.scores  # the scores are the model's own, all heads on
    assert off.lens[-1] != plain.lens[-1] and off.lens[0] == plain.lens[0]
    assert off.guesses == loss_with_heads_off(model, tok, ids, {(0, 0), (1, 1)}, 5)[1]


def test_a_checkpoint_from_train_gpt_can_be_looked_inside(tmp_path, capsys):
    ckpt = tmp_path / "g.pt"
    with pytest.raises(SystemExit) as done:
        main(["train", "gpt", "--preset", "tiny", "--max-iters", "20", "--n-layer", "2",
              "--threads", "1", "--out", str(ckpt)])  # fmt: skip
    assert done.value.code == 0, capsys.readouterr().err
    model, tok = load_model(ckpt)
    ids = repeated_text(tok, SPEECH, model.config.block_size)
    seen = look(model, tok, ids, {(1, 3)}, 30)
    assert len(seen.scores) == 2 * 4 and len(seen.lens) == 3
    assert seen.repeated_off != seen.repeated
