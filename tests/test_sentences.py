"""Which thing is "it": the sentence family, the shipped referent model, and a short training."""

from __future__ import annotations

import pytest
from toy_task_helpers import assert_saved_in_half, short_run

from engine.data.sources import PRETRAINED_SENTENCES
from engine.errors import ConfigError
from engine.events import ReferentTrained
from engine.gpt_checkpoint import load_model, load_model_checkpoint
from engine.tasks.referent import (
    heldout_accuracy,
    referent_attention,
    save_referent_model,
    train_referent_model,
)
from engine.tasks.sentences import (
    BLOCK_SIZE,
    CONTAINER_PREDICATES,
    CONTAINERS,
    FOOD_PREDICATES,
    FOODS,
    HELDOUT_PAIRS,
    all_examples,
    encode_examples,
    examples,
    family_tokenizer,
    prompt_for,
)

FOOD_SENTENCE = "The pizza came out of the oven and it tasted good."
OVEN_SENTENCE = "The pizza came out of the oven and it needed cleaning."


# -- the generator ------------------------------------------------------------------------
def test_the_generator_is_deterministic():
    assert examples("train", 200, seed=3) == examples("train", 200, seed=3)
    assert examples("heldout", 50, seed=3) == examples("heldout", 50, seed=3)
    assert examples("train", 200, seed=3) != examples("train", 200, seed=4)
    drawn = examples("train", 400, seed=0)
    food_share = sum(e.about == "food" for e in drawn) / len(drawn)
    assert 0.4 < food_share < 0.6  # both kinds of predicate, about equally


def test_the_referent_is_the_food_or_the_container_named_in_the_sentence():
    tok = family_tokenizer()
    for example in all_examples("train") + all_examples("heldout"):
        words = tok.tokens(example.text)
        assert words[-3:] == ["=", ">", example.referent]
        assert example.food in words[:-3] and example.container in words[:-3]
        if example.predicate in FOOD_PREDICATES:
            assert example.referent == example.food and example.referent in FOODS
        else:
            assert example.predicate in CONTAINER_PREDICATES
            assert example.referent == example.container and example.referent in CONTAINERS
        assert 0 not in tok.encode(example.text)  # every word is in the vocabulary
        assert len(tok.encode(example.prompt)) <= BLOCK_SIZE
    assert not set(FOOD_PREDICATES) & set(CONTAINER_PREDICATES)


def test_heldout_combinations_never_appear_in_training():
    key = lambda e: (e.food, e.container, e.predicate)  # noqa: E731
    train = {key(e) for e in all_examples("train")}
    heldout = {key(e) for e in all_examples("heldout")}
    assert heldout and not train & heldout
    assert all((e.food, e.container) not in HELDOUT_PAIRS for e in examples("train", 2000, 1))
    assert all((e.food, e.container) in HELDOUT_PAIRS for e in examples("heldout", 500, 1))
    # each food and container is still seen in training, only not in these pairings
    assert {f for f, _, _ in train} == set(FOODS)
    assert {c for _, c, _ in train} == set(CONTAINERS)
    assert ("pizza", "oven") not in HELDOUT_PAIRS and ("pizza", "pot") in HELDOUT_PAIRS
    with pytest.raises(ConfigError, match="split"):
        examples("test", 3)


def test_targets_are_ignored_everywhere_but_the_referent_position():
    tok = family_tokenizer()
    batch = examples("train", 5, seed=2)
    x, y, last = encode_examples(tok, batch)
    assert x.shape == y.shape == (5, BLOCK_SIZE)
    assert ((y != -100).sum(dim=1) == 1).all()
    for row, example in enumerate(batch):
        ids = x[row].tolist()
        assert [tok.words[i] for i in ids[last[row] - 1 : last[row] + 1]] == ["=", ">"]
        assert ids[: last[row] + 1] == tok.encode(example.prompt)
        assert not any(ids[last[row] + 1 :])  # padded with 0 after the prompt
        assert tok.words[int(y[row, last[row]])] == example.referent


def test_prompt_for_adds_the_full_stop_and_separator():
    assert prompt_for(FOOD_SENTENCE) == FOOD_SENTENCE + " =>"
    assert prompt_for("the pizza came out of the oven and it tasted good") == (
        "the pizza came out of the oven and it tasted good . =>"
    )
    assert prompt_for("the pie held up . =>") == "the pie held up . =>"


# -- the shipped model --------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped():
    return load_model(PRETRAINED_SENTENCES)


def test_the_shipped_file_is_a_small_gpt_checkpoint_with_its_seed():
    assert PRETRAINED_SENTENCES.stat().st_size < 500_000
    data = load_model_checkpoint(PRETRAINED_SENTENCES)
    assert data["corpus"]["spec"] == "pizza sentences" and data["history"] == []
    assert data["sentences"]["seed"] == 0 and data["step"] == 1000


def test_the_shipped_model_resolves_it_on_heldout_pairs(shipped):
    model, tok = shipped
    assert tok == family_tokenizer()
    assert heldout_accuracy(model, tok, n=400) >= 0.95


# The measure: the "=>" query's weight on each noun averaged over the heads of the last layer
# (the model has one layer: two of its four heads do the work, the other two spread evenly);
# pizza/oven is a training pair, pizza/pot a held-out one.
@pytest.mark.parametrize("container", ["oven", HELDOUT_PAIRS[0][1]])
def test_the_arrow_query_attends_to_the_referent(shipped, container):
    model, tok = shipped
    food = "pizza"
    for predicate, referent in (("tasted good", food), ("needed cleaning", container)):
        sentence = f"The {food} came out of the {container} and it {predicate}."
        look = referent_attention(model, tok, sentence)
        assert look["tokens"][look["query"]] == ">"
        assert (look["food"], look["container"]) == (food, container)
        assert look["prediction"] == referent and look["probability"] > 0.9
        mean, best = look["last_layer"], look["best_head"]
        other = "container" if referent == food else "food"
        kind = "food" if referent == food else "container"
        assert mean[kind] > mean[other] + 0.1
        assert best[kind] > 0.5 > best[other]


def test_the_it_query_cannot_see_the_predicate(shipped):
    model, tok = shipped
    food, oven = (referent_attention(model, tok, s) for s in (FOOD_SENTENCE, OVEN_SENTENCE))
    assert food["it"]["layers"] == oven["it"]["layers"]  # the causal mask hides what follows
    assert food["layers"] != oven["layers"]


def test_a_sentence_without_a_food_is_refused(shipped):
    model, tok = shipped
    with pytest.raises(ConfigError, match="no food"):
        referent_attention(model, tok, "the oven was made of metal .")


# -- training -----------------------------------------------------------------------------
def test_a_short_training_run_lowers_the_loss_and_saves_a_loadable_model(tmp_path):
    trained = short_run(train_referent_model, ReferentTrained, steps=40, every=20)  # from ln(90)
    model, tok = load_model(save_referent_model(tmp_path / "words.pt", trained).path)
    assert tok == trained.tokenizer
    assert_saved_in_half(trained.model, model)


def test_the_cli_trains_reports_and_saves(tmp_path, capsys):
    from tui.cli.train_sentences import train_sentences

    train_sentences(tmp_path / "p.pt", seed=0, steps=30)
    out = capsys.readouterr().out
    assert "held-out accuracy" in out and "pizza" in out and "needed cleaning" in out
    load_model(tmp_path / "p.pt")
