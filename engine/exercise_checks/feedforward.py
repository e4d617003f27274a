"""Exercise `feedforward`: a ← σ(w a + b), layer by layer, examples as columns."""

from __future__ import annotations

from typing import Any

import torch

from engine.exercise_checks.common import Case, Named, Variant, as_tensor, shape
from engine.exercise_checks.mlp_cases import SHAPES, engine_network, inputs

FUNCTION = "feedforward"
SIGNATURE = "feedforward(weights, biases, a) -> output"
ARG_NAMES = ("weights", "biases", "a")
SHAPE_ERROR_HINT = (
    "weights[l] is (n_out, n_in) and a is (n_in, m), one example per column: "
    "w @ a + b is (n_out, m). Is a weight matrix transposed, or the input?"
)


def cases() -> list[Case]:
    out = []
    for seed, (sizes, m) in enumerate(SHAPES):
        weights, biases, x, _ = inputs(sizes, m, seed)
        out.append(
            Case(f"sizes {sizes}, m = {m} (a is {shape((sizes[0], m))})", (weights, biases, x))
        )
    return out


def reference(weights: list[torch.Tensor], biases: list[torch.Tensor], a: torch.Tensor) -> Any:
    return engine_network(weights, biases).feedforward(a)


def unpack(result: Any, case: Case) -> Named:
    return [("output", as_tensor(result, "output"))]


def _rows(weights, biases, a):  # examples as rows: the output comes out (m, n_out)
    a = a.T
    for w, b in zip(weights, biases):
        a = torch.sigmoid(a @ w.T + b.T)
    return a


def _no_sigmoid_last(weights, biases, a):
    for layer, (w, b) in enumerate(zip(weights, biases), start=1):
        a = w @ a + b
        if layer < len(weights):
            a = torch.sigmoid(a)
    return a


def _no_sigmoid(weights, biases, a):
    for w, b in zip(weights, biases):
        a = w @ a + b
    return a


def _no_bias(weights, biases, a):
    for w in weights:
        a = torch.sigmoid(w @ a)
    return a


def _w_transposed(weights, biases, a):
    for w, b in zip(weights, biases):
        a = torch.sigmoid(w.T @ a + b)
    return a


def _first_layer_only(weights, biases, a):
    return torch.sigmoid(weights[0] @ a + biases[0])


VARIANTS = [
    Variant(
        "rows",
        _rows,
        "your output is transposed, one example per ROW: here (as in the book's chapter 2) "
        "each example is a COLUMN, so a ← σ(w @ a + b) keeps a as (n, m)",
    ),
    Variant(
        "no_sigmoid_last",
        _no_sigmoid_last,
        "the output layer has no sigmoid: apply σ after every layer, the last one too",
    ),
    Variant("no_sigmoid", _no_sigmoid, "no sigmoid at all: each layer is a ← σ(w @ a + b)"),
    Variant("no_bias", _no_bias, "the biases are missing: a ← σ(w @ a + b)"),
    Variant(
        "w_transposed",
        _w_transposed,
        "a weight matrix is used transposed: weights[l] is (n_out, n_in), so w @ a, not w.T @ a",
    ),
    Variant(
        "first_layer_only",
        _first_layer_only,
        "only the first layer is applied: loop over every (w, b) pair, feeding each output on",
    ),
]
