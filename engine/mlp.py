"""Nielsen's `Network` from *Neural Networks and Deep Learning*, in PyTorch, by mini-batch.

The names are the book's: `feedforward`, `backprop`, `update_mini_batch`, `SGD`, `evaluate`,
`cost_derivative`, `nabla_b`, `nabla_w`, `delta`. One difference: a mini-batch is a matrix
whose *columns* are the examples (the book's "fully matrix-based approach" of chapter 2), so
an input batch `x` is (784, m) and layer l's activations are (sizes[l], m). `backprop` is the
four equations of backpropagation written by hand; autograd appears only in the tests that
check it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from engine.errors import ConfigError
from engine.events import BatchDone, EpochDone

ACTIVATIONS = ("sigmoid", "relu")
COSTS = ("quadratic", "cross-entropy")
INITS = ("normal", "scaled")

# a learner's own backprop (the `backprop` exercise): (weights, biases, x, y) -> (nabla_b, nabla_w)
BackpropFn = Callable[
    [list[torch.Tensor], list[torch.Tensor], torch.Tensor, torch.Tensor],
    tuple[list[torch.Tensor], list[torch.Tensor]],
]


def sigmoid(z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(z)


def sigmoid_prime(a: torch.Tensor) -> torch.Tensor:
    """σ'(z) written through the activation a = σ(z): σ'(z) = σ(z)(1 − σ(z)) = a(1 − a).

    Computed as a − a², the same number in two cheap operations (torch's `1 - a` alone
    costs as much as both at mini-batch 10)."""
    return a - a * a


def relu(z: torch.Tensor) -> torch.Tensor:
    return torch.relu(z)


def relu_prime(a: torch.Tensor) -> torch.Tensor:
    """ReLU'(z) through a = max(0, z): 1 where the unit is active, else 0."""
    return (a > 0).to(a.dtype)


def epoch_order(
    n: int, mini_batch_size: int, seed: int, epoch: int, device: str = "cpu"
) -> tuple[torch.Tensor, ...]:
    """The mini-batches of an epoch as index tensors: a shuffle seeded by (seed, epoch), so any
    mini-batch of any epoch can be found again (to resume, or to look at one step)."""
    shuffle = torch.Generator().manual_seed(seed * 10_007 + epoch)
    return torch.randperm(n, generator=shuffle).to(device).split(mini_batch_size)


@dataclass(frozen=True)
class TensorSummary:
    """One intermediate tensor of a step, as the shape inspector shows it."""

    name: str
    shape: tuple[int, ...]
    mean: float
    min: float
    max: float


def summarize(trace: list[tuple[str, torch.Tensor]]) -> list[TensorSummary]:
    return [
        TensorSummary(name, tuple(t.shape), float(t.mean()), float(t.min()), float(t.max()))
        for name, t in trace
    ]


@dataclass(frozen=True)
class DigitBatch:
    """Examples as columns: `x` is (784, m) pixels, `y` is (10, m) one-hot targets."""

    x: torch.Tensor
    y: torch.Tensor


class Network:
    """A fully connected network trained by stochastic gradient descent.

    `activation` is used in the hidden layers; the output layer is always sigmoid, so both
    costs keep the meaning they have in the book. `init="normal"` is the book's N(0, 1) for
    every weight and bias; `init="scaled"` draws weights from N(0, 1/n_in) (chapter 3).
    """

    def __init__(
        self,
        sizes: list[int],
        *,
        activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str = "normal",
        seed: int = 0,
        device: str = "cpu",
        backprop_fn: BackpropFn | None = None,
    ) -> None:
        if len(sizes) < 2 or any(n < 1 for n in sizes):
            raise ValueError(f"sizes must be at least two positive layer sizes, got {sizes}")
        for name, value, allowed in (
            ("activation", activation, ACTIVATIONS),
            ("cost", cost, COSTS),
            ("init", init, INITS),
        ):
            if value not in allowed:
                raise ValueError(f"unknown {name} {value!r}: choose {', '.join(allowed)}")
        self.num_layers = len(sizes)
        self.sizes = list(sizes)
        self.activation, self.cost, self.init = activation, cost, init
        self.device = device
        gen = torch.Generator().manual_seed(seed)
        self.biases = [torch.randn(y, 1, generator=gen) for y in sizes[1:]]
        self.weights = [
            torch.randn(y, x, generator=gen) / (math.sqrt(x) if init == "scaled" else 1.0)
            for x, y in zip(sizes[:-1], sizes[1:])
        ]
        self.biases = [b.to(device) for b in self.biases]
        self.weights = [w.to(device) for w in self.weights]
        self.backprop_fn: BackpropFn | None = None
        self.use_backprop(backprop_fn)

    def use_backprop(self, fn: BackpropFn | None) -> None:
        """Train with `fn(weights, biases, x, y) -> (nabla_b, nabla_w)` in place of `backprop`
        (None: back to the engine's). It is a learner's own, from the `backprop` exercise, so
        it knows the book's chapter 1 network only: sigmoid layers and the quadratic cost."""
        if fn is not None and (self.activation, self.cost) != ("sigmoid", "quadratic"):
            raise ConfigError(
                "your own backprop is for the book's network: sigmoid activation and quadratic "
                f"cost (this one is {self.activation}, {self.cost})"
            )
        self.backprop_fn = fn

    # -- the forward pass ------------------------------------------------------------------
    def _act(self, z: torch.Tensor, layer: int) -> torch.Tensor:
        """The activation of layer `layer` (1-based over weight layers; the last is the output)."""
        hidden = layer < self.num_layers - 1
        return relu(z) if hidden and self.activation == "relu" else sigmoid(z)

    def _act_prime(self, a: torch.Tensor, layer: int) -> torch.Tensor:
        hidden = layer < self.num_layers - 1
        return relu_prime(a) if hidden and self.activation == "relu" else sigmoid_prime(a)

    def feedforward(self, a: torch.Tensor) -> torch.Tensor:
        """The network's output for input columns `a` (784, m): a ← σ(w a + b), layer by layer."""
        for layer, (b, w) in enumerate(zip(self.biases, self.weights), start=1):
            a = self._act(torch.addmm(b, w, a), layer)
        return a

    # -- cost ------------------------------------------------------------------------------
    def total_cost(self, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Σ over the batch of each example's cost (before any L2 term)."""
        if self.cost == "quadratic":
            return 0.5 * ((output - y) ** 2).sum()
        a = output.clamp(1e-12, 1 - 1e-12)
        return -(y * a.log() + (1 - y) * (1 - a).log()).sum()

    def cost_derivative(self, output_activations: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """∂C_x/∂a for the quadratic cost: (a − y)."""
        return output_activations - y

    def output_delta(self, a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """δᴸ (BP1). Quadratic: (a − y) ⊙ σ'(zᴸ). Cross-entropy: σ' cancels, leaving a − y."""
        if self.cost == "quadratic":
            return self.cost_derivative(a, y) * sigmoid_prime(a)
        return a - y

    # -- backpropagation -------------------------------------------------------------------
    def backprop(
        self, x: torch.Tensor, y: torch.Tensor, trace: list[tuple[str, torch.Tensor]] | None = None
    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(nabla_b, nabla_w): the gradient of the batch's summed cost, layer by layer.

        `x` is (784, m), `y` is (10, m). If `trace` is a list, every intermediate tensor is
        appended to it with the book's name (layers numbered from 1 = input): x, z2, a2, ...,
        delta3, nabla_b3, nabla_w3, delta2, ...
        """
        L = self.num_layers
        # feedforward, keeping every activation (σ' is computed from them)
        activation = x
        activations = [x]
        if trace is not None:
            trace.append(("x", x))
        for layer, (b, w) in enumerate(zip(self.biases, self.weights), start=1):
            z = torch.addmm(b, w, activation)
            activation = self._act(z, layer)
            activations.append(activation)
            if trace is not None:
                trace += [(f"z{layer + 1}", z), (f"a{layer + 1}", activation)]
        # backward pass: BP1 at the output, then BP2 down the layers; BP3, BP4 for gradients
        nabla_b: list[torch.Tensor] = [None] * (L - 1)  # type: ignore[list-item]
        nabla_w: list[torch.Tensor] = [None] * (L - 1)  # type: ignore[list-item]
        delta = self.output_delta(activations[-1], y)
        for l in range(1, L):  # l = 1 is the last weight layer, as in the book's code
            if l > 1:
                delta = (self.weights[-l + 1].T @ delta) * self._act_prime(activations[-l], L - l)
            nabla_b[-l] = delta.sum(dim=1, keepdim=True)
            nabla_w[-l] = delta @ activations[-l - 1].T
            if trace is not None:
                book_layer = L - l + 1
                trace += [
                    (f"delta{book_layer}", delta),
                    (f"nabla_b{book_layer}", nabla_b[-l]),
                    (f"nabla_w{book_layer}", nabla_w[-l]),
                ]
        return nabla_b, nabla_w

    def update_mini_batch(
        self,
        batch: DigitBatch,
        eta: float,
        lmbda: float = 0.0,
        n: int = 1,
        trace: list[tuple[str, torch.Tensor]] | None = None,
    ) -> None:
        """One step of gradient descent on `batch`: w ← (1 − ηλ/n) w − (η/m) ∇w, b ← b − (η/m) ∇b.

        `lmbda` is the L2 regularisation parameter and `n` the size of the training set;
        `trace` is handed to `backprop` (a learner's `backprop_fn`, if set, records nothing).
        """
        if self.backprop_fn is None:
            nabla_b, nabla_w = self.backprop(batch.x, batch.y, trace)
        else:
            nabla_b, nabla_w = self.backprop_fn(self.weights, self.biases, batch.x, batch.y)
        m = batch.x.shape[1]
        for w, nw in zip(self.weights, nabla_w):
            if lmbda:
                w.mul_(1 - eta * lmbda / n)
            w.sub_(nw, alpha=eta / m)
        for b, nb in zip(self.biases, nabla_b):
            b.sub_(nb, alpha=eta / m)

    # -- evaluation ------------------------------------------------------------------------
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """Predicted digit for each row of `images` (n, 784)."""
        return self.feedforward(images.to(self.device).T).argmax(dim=0)

    def output_activations(self, pixels: np.ndarray) -> np.ndarray:
        """The 10 output activations for each image in `pixels` ((784,) or (n, 784) in [0, 1])."""
        x = torch.as_tensor(np.asarray(pixels, dtype=np.float32).reshape(-1, 784))
        with torch.no_grad():
            return self.feedforward(x.to(self.device).T).T.cpu().numpy()

    def evaluate(self, images: torch.Tensor, labels: torch.Tensor) -> int:
        """How many of the (n, 784) `images` the network classifies as their `labels`."""
        return int((self.predict(images).cpu() == labels).sum())

    # -- training --------------------------------------------------------------------------
    def SGD(  # noqa: N802 - the book's name
        self,
        training_data: tuple[torch.Tensor, torch.Tensor],
        epochs: int,
        mini_batch_size: int,
        eta: float,
        lmbda: float = 0.0,
        test_data: tuple[torch.Tensor, torch.Tensor] | None = None,
        *,
        seed: int = 0,
        start: tuple[int, int] = (0, 0),
        loss_every: int = 100,
    ) -> Iterator[BatchDone | EpochDone]:
        """Train for `epochs`, yielding a BatchDone after every mini-batch and an EpochDone
        (with the test score if `test_data` is given) after every epoch.

        `training_data` and `test_data` are (images (n, 784), labels (n,)). Each epoch shuffles
        with a generator seeded from (seed, epoch), so a run stopped after any mini-batch and
        restarted with `start=(epoch, next_batch)` continues exactly. Stop by closing the
        generator (or just not asking for more); pause by waiting between events.
        """
        images, labels = training_data
        n = images.shape[0]
        # one row per example; a mini-batch gathers m rows and views them as columns
        images = images.to(self.device)
        targets = torch.eye(self.sizes[-1], device=self.device)[labels.to(self.device)]
        batches = math.ceil(n / mini_batch_size)
        first_epoch, first_batch = start
        for epoch in range(first_epoch, epochs):
            began = time.perf_counter()
            order = epoch_order(n, mini_batch_size, seed, epoch, self.device)
            for k in range(first_batch if epoch == first_epoch else 0, batches):
                batch = DigitBatch(
                    images.index_select(0, order[k]).T, targets.index_select(0, order[k]).T
                )
                loss = None
                if loss_every and k % loss_every == 0:
                    m = batch.x.shape[1]
                    loss = float(self.total_cost(self.feedforward(batch.x), batch.y)) / m
                self.update_mini_batch(batch, eta, lmbda, n)
                yield BatchDone(epoch, k, batches, loss)
            seconds = time.perf_counter() - began
            if test_data is not None:
                yield EpochDone(epoch, self.evaluate(*test_data), len(test_data[1]), seconds)
            else:
                yield EpochDone(epoch, None, None, seconds)

    # -- checkpoints -----------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The network as plain data for `engine.checkpoint.save`."""
        return {
            "sizes": self.sizes,
            "activation": self.activation,
            "cost": self.cost,
            "init": self.init,
            "weights": [w.cpu() for w in self.weights],
            "biases": [b.cpu() for b in self.biases],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], device: str = "cpu") -> Network:
        """Rebuild a network saved by `state()`; a mismatch is a ValueError naming it."""
        net = cls(
            state["sizes"],
            activation=state["activation"],
            cost=state["cost"],
            init=state["init"],
            device=device,
        )
        shapes = [tuple(w.shape) for w in net.weights] + [tuple(b.shape) for b in net.biases]
        saved = [tuple(w.shape) for w in state["weights"]] + [
            tuple(b.shape) for b in state["biases"]
        ]
        if shapes != saved:
            raise ValueError(f"weights of shapes {saved} do not fit sizes {state['sizes']}")
        net.weights = [w.to(device=device, dtype=torch.float32) for w in state["weights"]]
        net.biases = [b.to(device=device, dtype=torch.float32) for b in state["biases"]]
        return net
