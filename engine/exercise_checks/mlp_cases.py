"""Networks and mini-batches for the three MLP exercises, and the engine's `Network` around them.

Weights are drawn N(0, 1/n_in) (the book's chapter 3 "scaled" start), so no sigmoid saturates
and every term of a gradient is large enough for a missing one to show.
"""

from __future__ import annotations

import math

import torch

from engine.exercise_checks.common import gen, shape
from engine.mlp import Network

# (sizes, m): non-square layers first, so a transposed matrix shows as a shape; then batch 1,
# one weight layer, the book's 784-30-10, square layers, and a deep narrow net
SHAPES: list[tuple[list[int], int]] = [
    ([4, 3, 2], 5),
    ([4, 3, 2], 1),
    ([6, 5, 4, 3], 7),
    ([3, 2], 4),
    ([784, 30, 10], 10),
    ([784, 30, 10], 1),
    ([5, 5, 5], 3),
    ([2, 8, 8, 8, 1], 2),
]


def network(sizes: list[int], seed: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    g = gen(seed)
    weights = [torch.randn(y, x, generator=g) / math.sqrt(x) for x, y in zip(sizes[:-1], sizes[1:])]
    biases = [torch.randn(y, 1, generator=g) for y in sizes[1:]]
    return weights, biases


def batch(sizes: list[int], m: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = gen(seed + 1000)
    x = torch.rand(sizes[0], m, generator=g)
    y = torch.eye(sizes[-1])[torch.randint(sizes[-1], (m,), generator=g)].T.contiguous()
    return x, y


def inputs(
    sizes: list[int], m: int, seed: int
) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor, torch.Tensor]:
    """(weights, biases, x, y) of one case: the network and the mini-batch drawn from `seed`."""
    return *network(sizes, seed), *batch(sizes, m, seed)


def describe(sizes: list[int], m: int) -> str:
    return f"sizes {sizes}, m = {m} (x is {shape((sizes[0], m))}, y is {shape((sizes[-1], m))})"


def engine_network(weights: list[torch.Tensor], biases: list[torch.Tensor]) -> Network:
    """The engine's Network holding exactly these weights and biases."""
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    net = Network(sizes)
    net.weights, net.biases = list(weights), list(biases)
    return net


def engine_backprop(
    weights: list[torch.Tensor], biases: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """The engine's backprop with the exercise's signature."""
    return engine_network(weights, biases).backprop(x, y)
