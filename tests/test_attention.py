"""Attention: each score variant against its formula by hand, each mask, the stages, the fast
path against the slow one, and the key/value-cache (rectangular) case."""

from __future__ import annotations

import math

import pytest
import torch

from engine.attention import (
    SCORES,
    AttentionStages,
    attention,
    check_mask,
    check_score,
    mask_matrix,
    scores,
)
from engine.errors import ConfigError


def randn(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def custom_mask(T: int) -> torch.Tensor:
    """A fixed irregular pattern: every position sees itself, plus some others."""
    M = randn(T, T, seed=99) > 0.3
    return M | torch.eye(T, dtype=torch.bool)


MASK_NAMES = ["causal", "anti_causal", "none", "window:2", "custom"]


def as_spec(name: str, T: int):
    return custom_mask(T) if name == "custom" else name


def hand_raw(q: torch.Tensor, k: torch.Tensor, variant: str) -> torch.Tensor:
    """The raw score of query i with key j, one cell at a time, written as the formula reads."""
    Tq, Tk, d = q.size(0), k.size(0), q.size(1)
    raw = torch.zeros(Tq, Tk, dtype=q.dtype)
    for i in range(Tq):
        for j in range(Tk):
            if variant in ("scaled_dot", "dot"):
                s = sum(q[i, c] * k[j, c] for c in range(d))
            elif variant == "squared":
                s = sum(q[i, c] ** 2 * k[j, c] ** 2 for c in range(d))
            elif variant == "negated":
                s = -sum(q[i, c] * k[j, c] for c in range(d))
            elif variant == "reversed":
                s = sum(q[i, c] * k[j, d - 1 - c] for c in range(d))
            else:  # cosine
                q_len = max(math.sqrt(sum(q[i, c] ** 2 for c in range(d))), 1e-8)
                k_len = max(math.sqrt(sum(k[j, c] ** 2 for c in range(d))), 1e-8)
                s = sum(q[i, c] * k[j, c] for c in range(d)) / (q_len * k_len)
            raw[i, j] = s
    return raw


def hand_scale(variant: str, d: int) -> float:
    """What scaled / raw should be for each variant."""
    return {"dot": 1.0, "cosine": math.sqrt(d)}.get(variant, 1 / math.sqrt(d))


def hand_visible(name: str, Tq: int, Tk: int) -> torch.Tensor:
    """Which keys query i (at absolute position p = Tk - Tq + i) may see, cell by cell."""
    M = custom_mask(Tk) if name == "custom" else None
    visible = torch.zeros(Tq, Tk, dtype=torch.bool)
    for i in range(Tq):
        p = Tk - Tq + i
        for j in range(Tk):
            visible[i, j] = {
                "causal": j <= p,
                "anti_causal": j >= p,
                "none": True,
                "window:2": p - 2 < j <= p,
                "custom": bool(M[p, j]) if M is not None else False,
            }[name]
    return visible


# -- scores ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", SCORES)
def test_every_score_equals_its_formula(variant):
    q, k = randn(5, 6, seed=1), randn(7, 6, seed=2)
    raw, scaled = scores(q, k, variant)
    assert raw.shape == scaled.shape == (5, 7)
    expected = hand_raw(q, k, variant)
    torch.testing.assert_close(raw, expected)
    torch.testing.assert_close(scaled, expected * hand_scale(variant, 6))


@pytest.mark.parametrize("variant", SCORES)
def test_scores_work_over_batch_and_heads(variant):
    q, k = randn(2, 3, 4, 8, seed=3), randn(2, 3, 4, 8, seed=4)
    raw, scaled = scores(q, k, variant)
    assert raw.shape == (2, 3, 4, 4)
    torch.testing.assert_close(raw[1, 2], hand_raw(q[1, 2], k[1, 2], variant))


def test_reversed_is_dot_with_the_keys_components_reversed():
    q, k = randn(4, 5, seed=5), randn(6, 5, seed=6)
    k_reversed = torch.stack([k[:, c] for c in reversed(range(5))], dim=1)
    assert not torch.equal(k_reversed, k)
    torch.testing.assert_close(scores(q, k, "reversed")[0], scores(q, k_reversed, "dot")[0])
    torch.testing.assert_close(scores(q, k, "reversed")[1], scores(q, k_reversed, "scaled_dot")[1])


def test_negated_is_minus_scaled_dot():
    q, k = randn(4, 5, seed=7), randn(6, 5, seed=8)
    raw, scaled = scores(q, k, "negated")
    dot_raw, dot_scaled = scores(q, k, "scaled_dot")
    torch.testing.assert_close(raw, -dot_raw)
    torch.testing.assert_close(scaled, -dot_scaled)


def test_squared_ignores_the_signs_of_q_and_k():
    q, k = randn(4, 5, seed=9), randn(6, 5, seed=10)
    torch.testing.assert_close(scores(q, k, "squared")[0], scores(-q, k.abs(), "squared")[0])
    assert (scores(q, k, "squared")[0] >= 0).all()


def test_cosine_scores_lie_in_minus_one_to_one_and_ignore_length():
    q, k = randn(4, 5, seed=11), randn(6, 5, seed=12)
    raw, _ = scores(q, k, "cosine")
    assert raw.abs().max() <= 1 + 1e-12
    torch.testing.assert_close(scores(10 * q, 0.1 * k, "cosine")[0], raw)
    torch.testing.assert_close(scores(q, q, "cosine")[0].diagonal(), torch.ones(4, dtype=q.dtype))


def test_cosine_of_a_zero_vector_is_zero_not_nan():
    q, k = torch.zeros(2, 4), randn(3, 4, seed=13, dtype=torch.float32)
    raw, scaled = scores(q, k, "cosine")
    assert raw.eq(0).all() and not scaled.isnan().any()


def test_unscaled_dot_gives_peakier_weights_than_scaled_dot_in_high_dimension():
    q, k, v = randn(1, 8, 256, seed=14), randn(1, 8, 256, seed=15), randn(1, 8, 4, seed=16)
    _, dot = attention(q, k, v, "dot", "none", capture=True)
    _, scaled = attention(q, k, v, "scaled_dot", "none", capture=True)
    assert dot.weights.max(-1).values.mean() > scaled.weights.max(-1).values.mean() + 0.1


# -- masks ----------------------------------------------------------------------------------


def test_mask_matrices_square():
    one, zero = True, False
    assert mask_matrix("causal", 4, 4).tolist() == [
        [one, zero, zero, zero],
        [one, one, zero, zero],
        [one, one, one, zero],
        [one, one, one, one],
    ]
    assert mask_matrix("anti_causal", 4, 4).tolist() == [
        [one, one, one, one],
        [zero, one, one, one],
        [zero, zero, one, one],
        [zero, zero, zero, one],
    ]
    assert mask_matrix("window:2", 4, 4).tolist() == [
        [one, zero, zero, zero],
        [one, one, zero, zero],
        [zero, one, one, zero],
        [zero, zero, one, one],
    ]
    assert mask_matrix("none", 3, 3).all()
    assert mask_matrix("causal", 4, 4).dtype == torch.bool


@pytest.mark.parametrize("name", MASK_NAMES)
@pytest.mark.parametrize("Tq,Tk", [(6, 6), (2, 6), (1, 6)])
def test_mask_matrix_matches_the_rule_cell_by_cell(name, Tq, Tk):
    assert torch.equal(mask_matrix(as_spec(name, Tk), Tq, Tk), hand_visible(name, Tq, Tk))


def test_queries_are_the_last_positions_of_the_keys():
    assert mask_matrix("causal", 2, 4).tolist() == [[True, True, True, False], [True] * 4]
    assert mask_matrix("window:2", 1, 5).tolist() == [[False, False, False, True, True]]


def test_a_custom_mask_larger_than_the_sequence_is_cropped():
    M = torch.tril(torch.ones(8, 8, dtype=torch.bool))  # (block_size, block_size)
    assert torch.equal(mask_matrix(M, 5, 5), mask_matrix("causal", 5, 5))
    assert torch.equal(mask_matrix(M, 2, 5), mask_matrix("causal", 2, 5))


@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("name", MASK_NAMES)
def test_every_mask_with_every_score_gives_proper_weights(score, name):
    T = 6
    q, k, v = randn(2, 3, T, 4, seed=17), randn(2, 3, T, 4, seed=18), randn(2, 3, T, 5, seed=19)
    out, st = attention(q, k, v, score, as_spec(name, T), capture=True)
    visible = hand_visible(name, T, T)
    assert out.shape == (2, 3, T, 5)
    assert not out.isnan().any() and not st.weights.isnan().any()
    assert st.weights[..., ~visible].eq(0).all()  # hidden cells exactly 0
    assert (st.weights[..., visible] > 0).all()  # every visible key gets some weight
    torch.testing.assert_close(st.weights.sum(-1), torch.ones(2, 3, T, dtype=q.dtype))
    assert st.empty_rows == []


@pytest.mark.parametrize("score", SCORES)
def test_causal_hides_the_future_and_anti_causal_the_past(score):
    T = 5
    q, k, v = randn(T, 3, seed=20), randn(T, 3, seed=21), randn(T, 3, seed=22)
    _, causal = attention(q, k, v, score, "causal", capture=True)
    _, anti = attention(q, k, v, score, "anti_causal", capture=True)
    assert causal.weights.triu(diagonal=1).eq(0).all()
    assert causal.masked[torch.ones(T, T, dtype=torch.bool).triu(1)].eq(-math.inf).all()
    assert anti.weights.tril(diagonal=-1).eq(0).all()
    torch.testing.assert_close(causal.output[0], v[0])  # position 0 sees only itself
    torch.testing.assert_close(anti.output[-1], v[-1])  # the last position sees only itself


def test_window_of_one_returns_each_positions_own_value():
    q, k, v = randn(2, 7, 4, seed=23), randn(2, 7, 4, seed=24), randn(2, 7, 3, seed=25)
    out, _ = attention(q, k, v, mask="window:1")
    torch.testing.assert_close(out, v)


def test_changing_the_future_does_not_change_the_causal_past():
    q, k, v = randn(6, 4, seed=26), randn(6, 4, seed=27), randn(6, 4, seed=28)
    out, _ = attention(q, k, v)
    k2, v2 = k.clone(), v.clone()
    k2[4:], v2[4:] = 100.0, -100.0
    out2, _ = attention(q, k2, v2)
    torch.testing.assert_close(out[:4], out2[:4])
    assert not torch.allclose(out[4:], out2[4:])


# -- rows with nothing to see ---------------------------------------------------------------


@pytest.mark.parametrize("score", SCORES)
def test_a_fully_hidden_row_gives_zeros_not_nan(score):
    T = 5
    M = torch.tril(torch.ones(T, T, dtype=torch.bool))
    M[2] = False  # query 2 may look at nothing
    q, k, v = randn(2, T, 4, seed=29), randn(2, T, 4, seed=30), randn(2, T, 3, seed=31)
    out, st = attention(q, k, v, score, M, capture=True)
    assert isinstance(st, AttentionStages)
    assert st.empty_rows == [2]
    assert not out.isnan().any() and not st.weights.isnan().any()
    assert st.weights[:, 2].eq(0).all() and out[:, 2].eq(0).all()
    assert st.masked[:, 2].eq(-math.inf).all()
    other = [0, 1, 3, 4]
    torch.testing.assert_close(st.weights[:, other].sum(-1), torch.ones(2, 4, dtype=q.dtype))
    out_fast, none = attention(q, k, v, score, M)  # no capture: no stages, still no NaN
    assert none is None
    torch.testing.assert_close(out_fast, out)


@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
def test_a_fully_hidden_row_keeps_gradients_finite():
    T = 4
    M = torch.ones(T, T, dtype=torch.bool)
    M[0] = False
    q = randn(T, 3, seed=32).requires_grad_()
    k = randn(T, 3, seed=33).requires_grad_()
    v = randn(T, 3, seed=34).requires_grad_()
    with torch.autograd.detect_anomaly():  # raises if any step of backward makes a NaN
        out, _ = attention(q, k, v, mask=M)
        out.sum().backward()
    for t in (q, k, v):
        assert t.grad is not None and t.grad.isfinite().all()
    assert q.grad[0].eq(0).all()  # the blind query has no say in the output


def test_empty_rows_lists_every_blind_query():
    M = torch.zeros(4, 4, dtype=torch.bool)
    M[1, 0] = True
    q = k = v = randn(4, 2, seed=35)
    _, st = attention(q, k, v, mask=M, capture=True)
    assert st.empty_rows == [0, 2, 3]


# -- the stages agree with each other -------------------------------------------------------


@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("name", MASK_NAMES)
def test_stages_are_consistent(score, name):
    T = 6
    q, k, v = randn(2, T, 4, seed=36), randn(2, T, 4, seed=37), randn(2, T, 3, seed=38)
    out, st = attention(q, k, v, score, as_spec(name, T), capture=True)
    raw, scaled = scores(q, k, score)
    torch.testing.assert_close(st.scores, raw)
    torch.testing.assert_close(st.scaled, st.scores * hand_scale(score, 4))
    visible = hand_visible(name, T, T)
    assert st.masked[..., ~visible].eq(-math.inf).all()
    torch.testing.assert_close(st.masked[..., visible], st.scaled[..., visible])
    torch.testing.assert_close(torch.softmax(st.masked, dim=-1), st.weights)
    torch.testing.assert_close(st.weights @ v, st.output)
    assert st.output is out


def test_dropout_zeroes_some_weights_and_output_still_uses_them():
    torch.manual_seed(0)
    q, k, v = randn(2, 16, 8, seed=39), randn(2, 16, 8, seed=40), randn(2, 16, 8, seed=41)
    out, st = attention(q, k, v, mask="none", capture=True, dropout_p=0.5)
    torch.testing.assert_close(st.weights @ v, out)
    kept = st.weights > 0
    assert 0.3 < kept.double().mean() < 0.7
    torch.testing.assert_close(
        st.weights.sum(-1).mean(), torch.tensor(1.0, dtype=q.dtype), atol=0.1, rtol=0
    )
    assert attention(q, k, v, dropout_p=0.5)[0].shape == out.shape  # the fused path takes it too


# -- the fused fast path equals the slow path -----------------------------------------------


@pytest.mark.parametrize("mask", ["causal", "none"])
@pytest.mark.parametrize("Tq,Tk", [(8, 8), (3, 8), (1, 8)])
def test_fast_path_equals_slow_path(mask, Tq, Tk):
    B, H, d = 2, 3, 16
    q = randn(B, H, Tq, d, seed=42, dtype=torch.float32)
    k = randn(B, H, Tk, d, seed=43, dtype=torch.float32)
    v = randn(B, H, Tk, d, seed=44, dtype=torch.float32)
    fast, none = attention(q, k, v, "scaled_dot", mask)
    slow, stages = attention(q, k, v, "scaled_dot", mask, capture=True)
    assert none is None and stages is not None
    assert fast.shape == (B, H, Tq, d)
    torch.testing.assert_close(fast, slow, atol=1e-6, rtol=1e-6)


def test_fast_path_gradients_equal_slow_path_gradients():
    grads = []
    for capture in (False, True):
        q = randn(2, 2, 6, 8, seed=45, dtype=torch.float32).requires_grad_()
        k = randn(2, 2, 6, 8, seed=46, dtype=torch.float32).requires_grad_()
        v = randn(2, 2, 6, 8, seed=47, dtype=torch.float32).requires_grad_()
        attention(q, k, v, capture=capture)[0].pow(2).sum().backward()
        grads.append([q.grad, k.grad, v.grad])
    for fast, slow in zip(*grads):
        torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)


# -- the key/value cache: a few new queries over all the keys so far ------------------------


@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize("name", MASK_NAMES)
@pytest.mark.parametrize("capture", [False, True])
def test_last_queries_over_all_keys_equal_the_last_rows_of_the_square(score, name, capture):
    T = 7
    q, k, v = randn(2, T, 4, seed=48), randn(2, T, 4, seed=49), randn(2, T, 5, seed=50)
    spec = as_spec(name, T)
    full, _ = attention(q, k, v, score, spec)
    for n in (1, 3):
        part, _ = attention(q[:, -n:], k, v, score, spec, capture=capture)
        assert part.shape == (2, n, 5)
        torch.testing.assert_close(part, full[:, -n:])


# -- errors a learner can make --------------------------------------------------------------


def one_line_config_error(call) -> str:
    with pytest.raises(ConfigError) as info:
        call()
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_check_score():
    assert check_score("cosine") == "cosine"
    message = one_line_config_error(lambda: check_score("dott"))
    assert "'dott'" in message and "scaled_dot" in message


@pytest.mark.parametrize("spec", ["causal", "anti_causal", "none", "window:1", "window:12"])
def test_check_mask_accepts_the_names(spec):
    assert check_mask(spec) == spec


def test_check_mask_accepts_a_bool_matrix():
    M = torch.ones(4, 4, dtype=torch.bool)
    assert check_mask(M) is M


@pytest.mark.parametrize(
    "spec,words",
    [
        ("window:0", "window:0"),
        ("window:x", "window:x"),
        ("window:", "whole number"),
        ("window:-2", "whole number"),
        ("window:1.5", "whole number"),
        ("casual", "casual"),
        ("window:3\nmore", "unknown mask"),
        (torch.ones(4, dtype=torch.bool), "(4,)"),
        (torch.ones(3, 4, dtype=torch.bool), "(3, 4)"),
        (torch.ones(2, 2, 2, dtype=torch.bool), "square"),
        (torch.ones(4, 4), "bool"),
        (3, "int"),
    ],
)
def test_check_mask_errors(spec, words):
    assert words in one_line_config_error(lambda: check_mask(spec))


def test_attention_rejects_bad_settings():
    q = randn(4, 2, seed=51)
    one_line_config_error(lambda: attention(q, q, q, score="dott"))
    one_line_config_error(lambda: attention(q, q, q, mask="window:0"))
    one_line_config_error(lambda: attention(q, q, q, dropout_p=1.5))
    small = torch.ones(3, 3, dtype=torch.bool)
    assert "3x3" in one_line_config_error(lambda: attention(q, q, q, mask=small))
    assert "keys" in one_line_config_error(lambda: mask_matrix("causal", 5, 3))
    assert "size" in one_line_config_error(lambda: scores(q, randn(4, 3), "dot"))
