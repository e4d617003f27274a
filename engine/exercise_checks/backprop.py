"""Exercise `backprop`: the four equations, checked against autograd (in float64).

The network is the book's chapter 1 network: sigmoid in every layer, quadratic cost
C = ½ Σ ‖a − y‖² summed over the mini-batch's columns.
"""

from __future__ import annotations

from typing import Any

import torch

from engine.exercise_checks.common import Case, Named, Variant, layer_pair, switched
from engine.exercise_checks.mlp_cases import SHAPES, describe, inputs

FUNCTION = "backprop"
SIGNATURE = "backprop(weights, biases, x, y) -> (nabla_b, nabla_w)"
ARG_NAMES = ("weights", "biases", "x", "y")
SHAPE_ERROR_HINT = (
    "shapes: z and a of layer l are (n_l, m); δˡ is (n_l, m); BP2 multiplies by the NEXT "
    "layer's weights transposed, (wˡ⁺¹)ᵀ δˡ⁺¹; BP4 is δˡ (aˡ⁻¹)ᵀ, shaped like weights[l]"
)


def cases() -> list[Case]:
    return [
        Case(describe(sizes, m), inputs(sizes, m, seed)) for seed, (sizes, m) in enumerate(SHAPES)
    ]


def reference(weights: list[torch.Tensor], biases: list[torch.Tensor], x, y) -> Any:
    """Autograd's gradient of C = ½ Σ‖a − y‖², in float64, returned as float32."""
    ws = [w.double().requires_grad_() for w in weights]
    bs = [b.double().requires_grad_() for b in biases]
    a = x.double()
    for w, b in zip(ws, bs):
        a = torch.sigmoid(w @ a + b)
    (0.5 * ((a - y.double()) ** 2).sum()).backward()
    return [b.grad.float() for b in bs], [w.grad.float() for w in ws]


def unpack(result: Any, case: Case) -> Named:
    layers = len(case.args[0])
    return layer_pair(
        result, FUNCTION, layers, ("nabla_b", "bias gradients"), ("nabla_w", "weight gradients")
    )


def _backprop(
    weights,
    biases,
    x,
    y,
    *,
    out_prime: bool = True,
    hidden_prime: bool = True,
    prime_of_a: bool = False,
    transposed: bool = False,
    mean: bool = False,
    sign: float = 1.0,
    bp2_transpose: bool = True,
):
    """Backprop with one mistake switched on (all off: the right answer)."""

    def prime(a):
        s = torch.sigmoid(a) if prime_of_a else a  # σ'(a) when a was taken for z
        return s * (1 - s)

    activations = [x]
    for w, b in zip(weights, biases):
        activations.append(torch.sigmoid(w @ activations[-1] + b))
    L = len(weights)
    nabla_b, nabla_w = [None] * L, [None] * L
    delta = sign * (activations[-1] - y)
    if out_prime:
        delta = delta * prime(activations[-1])
    for layer in range(L - 1, -1, -1):
        if layer < L - 1:
            w_next = weights[layer + 1]
            delta = (w_next.T if bp2_transpose else w_next) @ delta
            if hidden_prime:
                delta = delta * prime(activations[layer + 1])
        nabla_b[layer] = delta.sum(dim=1, keepdim=True)
        a_prev = activations[layer]
        nabla_w[layer] = a_prev @ delta.T if transposed else delta @ a_prev.T
    if mean:
        m = x.shape[1]
        nabla_b, nabla_w = [nb / m for nb in nabla_b], [nw / m for nw in nabla_w]
    return nabla_b, nabla_w


_variant = switched(_backprop)

VARIANTS = [
    Variant(
        "no_output_prime",
        _variant(out_prime=False),
        "the sigmoid derivative is missing at the output: BP1 is δᴸ = (aᴸ − y) ⊙ σ'(zᴸ) for "
        "the quadratic cost (a − y alone is the cross-entropy cost's δ)",
    ),
    Variant(
        "no_hidden_prime",
        _variant(hidden_prime=False),
        "the sigmoid derivative is missing in the hidden layers: BP2 is "
        "δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ'(zˡ)",
    ),
    Variant(
        "no_prime",
        _variant(out_prime=False, hidden_prime=False),
        "the sigmoid derivative σ'(z) is missing from δ in every layer (BP1 and BP2 both "
        "multiply by it)",
    ),
    Variant(
        "prime_of_activation",
        _variant(prime_of_a=True),
        "the sigmoid derivative is taken of the activation a = σ(z) as if it were z: "
        "sigmoid_prime(z) = σ(z)(1 − σ(z)) wants z; from a, it is a * (1 - a)",
    ),
    Variant(
        "transposed",
        _variant(transposed=True),
        "nabla_w is transposed: BP4 gives nabla_w[l] = δˡ @ (aˡ⁻¹)ᵀ, the shape of weights[l], "
        "(n_out, n_in)",
    ),
    Variant(
        "mean",
        _variant(mean=True),
        "the gradients are divided by m: backprop returns the SUM over the mini-batch's "
        "columns (update_mini_batch divides by m)",
    ),
    Variant(
        "sign",
        _variant(sign=-1.0),
        "the gradients have the wrong sign: ∂C/∂a = a − y, not y − a",
    ),
    Variant(
        "bp2_no_transpose",
        _variant(bp2_transpose=False),
        "BP2 multiplies by the next layer's weights TRANSPOSED: (wˡ⁺¹)ᵀ δˡ⁺¹",
    ),
]


def observe(got: Named, expected: Named, case: Case) -> list[str]:
    """What a wrong nabla_b's shape says: not summed over the batch, or keepdim dropped."""
    m = case.args[2].shape[1]
    for (name, g), (_, e) in zip(got, expected):
        if not name.startswith("nabla_b") or g.shape == e.shape:
            continue
        if tuple(g.shape) == (e.shape[0], m):
            return [
                f"{name} still has one column per example: sum δ over the batch, "
                "δ.sum(dim=1, keepdim=True), shape (n_out, 1)"
            ]
        if tuple(g.shape) == (e.shape[0],):
            return [f"{name} lost its column: sum with keepdim=True, shape (n_out, 1)"]
    return []
