"""Looking inside the shipped GPT: stages, switching variants on the same weights, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.data.sources import PRETRAINED_GPT
from engine.data.text import TokenizerError
from engine.errors import ConfigError
from engine.gpt_checkpoint import load_model
from engine.inspect import embeddings, inspect_attention

PIZZA = "The pizza came out of the oven and it tasted good."


@pytest.fixture(scope="module")
def shipped():
    return load_model(PRETRAINED_GPT)


def test_the_shipped_model_reads_the_pizza_sentence(shipped):
    model, tok = shipped
    look = inspect_attention(model, tok, PIZZA)
    assert look.tokens == list(PIZZA) and look.score == "scaled_dot" and look.mask == "causal"
    assert len(look.layers) == 4
    weights = look.stage(0, 0, "weights")
    assert weights.shape == (len(PIZZA), len(PIZZA))
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(weights, 1) == 0)
    assert np.isinf(look.stage(0, 0, "masked")[0, 1])
    assert look.stage(1, 2, "output").shape == (len(PIZZA), 32)
    assert sum(p for _, p in look.next_token) <= 1.0


def test_switching_the_mask_and_score_uses_the_same_weights(shipped):
    model, tok = shipped
    before = {k: v.clone() for k, v in model.state_dict().items()}
    causal = inspect_attention(model, tok, PIZZA)
    flipped = inspect_attention(model, tok, PIZZA, mask="anti_causal")
    assert np.all(np.tril(flipped.stage(0, 0, "weights"), -1) == 0)
    assert np.triu(flipped.stage(0, 0, "weights"), 1).sum() > 0  # the upper right fills in
    negated = inspect_attention(model, tok, PIZZA, score="negated")
    np.testing.assert_allclose(
        negated.stage(0, 0, "scaled"), -causal.stage(0, 0, "scaled"), rtol=1e-5, atol=1e-6
    )
    after = inspect_attention(model, tok, PIZZA)  # the model's own variant is back
    np.testing.assert_array_equal(after.stage(2, 1, "weights"), causal.stage(2, 1, "weights"))
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])


def test_a_mask_hiding_a_row_is_reported(shipped):
    model, tok = shipped
    text = "to be or not"
    mask = torch.ones(64, 64, dtype=torch.bool).tril()
    mask[3, :] = False
    look = inspect_attention(model, tok, text, mask=mask)
    assert look.empty_rows[0] == [3] and look.mask == "custom"
    assert not np.isnan(look.stage(0, 0, "weights")).any()
    assert look.stage(0, 0, "weights")[3].sum() == 0


@pytest.mark.parametrize(
    "text,error,message",
    [
        ("", ConfigError, "type a sentence"),
        ("x" * 65, ConfigError, "at most 64"),
        ("pizza 1066", TokenizerError, "never saw"),
    ],
)
def test_bad_sentences_are_clear_errors(shipped, text, error, message):
    model, tok = shipped
    with pytest.raises(error, match=message):
        inspect_attention(model, tok, text)


def test_embeddings_and_the_sin_cos_table(shipped):
    model, tok = shipped
    parts = embeddings(model, tok, PIZZA)
    assert parts["token"].shape == parts["position"].shape == (len(PIZZA), 128)
    np.testing.assert_allclose(parts["sum"], parts["token"] + parts["position"])
    assert parts["sinusoidal"][0, 0] == 0.0 and parts["sinusoidal"][0, 1] == 1.0
