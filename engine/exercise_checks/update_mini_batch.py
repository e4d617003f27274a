"""Exercise `update_mini_batch`: one step of gradient descent, with L2 weight decay.

The learner is handed a working `backprop` (the engine's), so this exercise does not depend
on the previous one.
"""

from __future__ import annotations

from typing import Any

import torch

from engine.exercise_checks.common import Case, Named, Variant, layer_pair, switched
from engine.exercise_checks.mlp_cases import describe, engine_backprop, engine_network, inputs
from engine.mlp import DigitBatch

FUNCTION = "update_mini_batch"
SIGNATURE = "update_mini_batch(weights, biases, x, y, eta, lmbda, n, backprop) -> (weights, biases)"
ARG_NAMES = ("weights", "biases", "x", "y", "eta", "lmbda", "n", "backprop")
MAY_MODIFY_INPUTS = True  # updating weights in place, as the engine does, is fine

# (sizes, m, eta, lmbda, n): plain steps first, then weight decay
SETTINGS = [
    ([4, 3, 2], 5, 3.0, 0.0, 50),
    ([4, 3, 2], 1, 0.5, 0.0, 1),
    ([6, 5, 4, 3], 7, 1.0, 0.0, 100),
    ([784, 30, 10], 10, 3.0, 0.0, 60_000),
    ([4, 3, 2], 5, 3.0, 5.0, 50),
    ([784, 30, 10], 10, 0.5, 5.0, 1000),
    ([3, 2], 4, 2.0, 0.1, 10),
    ([5, 5, 5], 3, 0.25, 2.0, 6),
]


def cases() -> list[Case]:
    out = []
    for seed, (sizes, m, eta, lmbda, n) in enumerate(SETTINGS):
        label = f"{describe(sizes, m)}, eta = {eta:g}, lmbda = {lmbda:g}, n = {n}"
        out.append(Case(label, (*inputs(sizes, m, seed), eta, lmbda, n, engine_backprop)))
    return out


def reference(weights, biases, x, y, eta, lmbda, n, backprop) -> Any:
    net = engine_network(weights, biases)
    net.update_mini_batch(DigitBatch(x, y), eta, lmbda, n)
    return net.weights, net.biases


def unpack(result: Any, case: Case) -> Named:
    layers = len(case.args[0])
    return layer_pair(
        result, FUNCTION, layers, ("weights", "weight matrices"), ("biases", "bias vectors")
    )


def _step(
    weights,
    biases,
    x,
    y,
    eta,
    lmbda,
    n,
    backprop,
    *,
    divide: bool = True,
    m_rows: bool = False,
    sign: float = -1.0,
    decay_biases: bool = False,
    decay_over_n: bool = True,
    decay_over_m: bool = False,
    decay_after: bool = False,
):
    nabla_b, nabla_w = backprop(weights, biases, x, y)
    m = x.shape[0] if m_rows else x.shape[1]
    step = eta / m if divide else eta
    decay = 1 - eta * lmbda / (m if decay_over_m else n if decay_over_n else 1)
    if decay_after:
        new_w = [decay * (w + sign * step * nw) for w, nw in zip(weights, nabla_w)]
    else:
        new_w = [decay * w + sign * step * nw for w, nw in zip(weights, nabla_w)]
    new_b = [
        (decay if decay_biases else 1.0) * b + sign * step * nb for b, nb in zip(biases, nabla_b)
    ]
    return new_w, new_b


_variant = switched(_step)

VARIANTS = [
    Variant(
        "no_mean",
        _variant(divide=False),
        "the step is not divided by the mini-batch size m: w ← w − (η/m)·nabla_w, since "
        "backprop returns the sum over the m examples",
    ),
    Variant(
        "m_rows",
        _variant(m_rows=True),
        "m is the number of examples, the COLUMNS of x: m = x.shape[1] (x.shape[0] is the "
        "input size)",
    ),
    Variant(
        "uphill",
        _variant(sign=1.0),
        "the step goes uphill: subtract the gradient, w − (η/m)·nabla_w",
    ),
    Variant(
        "decay_biases",
        _variant(decay_biases=True),
        "weight decay (1 − ηλ/n) applies to the weights only, not to the biases",
    ),
    Variant(
        "decay_not_over_n",
        _variant(decay_over_n=False),
        "the decay factor is (1 − ηλ/n): divide λ by n, the size of the training set",
    ),
    Variant(
        "decay_over_m",
        _variant(decay_over_m=True),
        "the decay factor is (1 − ηλ/n) with n the size of the training set, not m",
    ),
    Variant(
        "decay_after",
        _variant(decay_after=True),
        "decay w itself, not the stepped w: w ← (1 − ηλ/n)·w − (η/m)·nabla_w",
    ),
]


def observe(got: Named, expected: Named, case: Case) -> list[str]:
    for (name, g), (_, e) in zip(got, expected):
        if g.shape == e.shape and torch.equal(g, case_input(case, name)):
            return [f"{name} did not change at all: the step is missing or not returned"]
    return []


def case_input(case: Case, name: str) -> torch.Tensor:
    kind, i = name.rstrip("]").split("[")
    return (case.args[0] if kind == "weights" else case.args[1])[int(i)]
