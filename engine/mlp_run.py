"""A training run of the digit network: its settings, where it is, and its checkpoint.

The CLI and the TUI both train through `MLPRun`: it checks the settings, keeps the position
(epoch, next mini-batch) as events pass, and saves and resumes exactly, so a run stopped
anywhere between mini-batches continues as if it had never stopped.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from engine import checkpoint
from engine.data.digits import Digits, find_full, load_digits, mnist_style
from engine.errors import ConfigError
from engine.events import BatchDone, CheckpointSaved, EpochDone
from engine.mlp import (
    ACTIVATIONS,
    COSTS,
    INITS,
    DigitBatch,
    Network,
    TensorSummary,
    epoch_order,
    summarize,
)

KIND = "mlp"


MAX_EPOCHS = 100_000  # days of training even on the bundled sample: more is a typo


@dataclass(frozen=True)
class MLPConfig:
    """Everything that decides a run's result (the book's defaults)."""

    sizes: tuple[int, ...] = (784, 30, 10)
    epochs: int = 30
    mini_batch_size: int = 10
    eta: float = 3.0
    lmbda: float = 0.0
    cost: str = "quadratic"
    activation: str = "sigmoid"
    init: str = "normal"
    seed: int = 0
    data: str = "auto"  # "sample", "mnist", "auto" or a path

    def validate(self) -> MLPConfig:
        """Return self, or raise ConfigError saying in one line what is wrong."""
        if len(self.sizes) < 2 or any(n < 1 for n in self.sizes):
            raise ConfigError(
                f"--sizes needs at least two positive layer sizes, got "
                f"{','.join(map(str, self.sizes))}"
            )
        if self.sizes[0] != 784 or self.sizes[-1] != 10:
            raise ConfigError(
                f"--sizes must start with 784 (28x28 pixels) and end with 10 "
                f"(digits) for MNIST, got {','.join(map(str, self.sizes))}"
            )
        checks = [
            (self.epochs >= 1, f"--epochs must be at least 1, got {self.epochs}"),
            (
                self.epochs <= MAX_EPOCHS,
                f"--epochs must be at most {MAX_EPOCHS:,} (an epoch of the full set takes "
                f"seconds), got {self.epochs}",
            ),
            (
                self.mini_batch_size >= 1,
                f"--batch-size must be at least 1, got {self.mini_batch_size}",
            ),
            (0 < self.eta < math.inf, f"--eta must be a positive number, got {self.eta}"),
            (0 <= self.lmbda < math.inf, f"--lmbda must be zero or positive, got {self.lmbda}"),
            (self.cost in COSTS, f"unknown --cost {self.cost!r}: choose {', '.join(COSTS)}"),
            (
                self.activation in ACTIVATIONS,
                f"unknown --activation {self.activation!r}: choose {', '.join(ACTIVATIONS)}",
            ),
            (self.init in INITS, f"unknown --init {self.init!r}: choose {', '.join(INITS)}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        return self


@dataclass
class MLPRun:
    """A network, its data, and how far training has got."""

    config: MLPConfig
    digits: Digits
    network: Network
    epoch: int = 0  # the epoch in progress (== config.epochs when finished)
    batch: int = 0  # the next mini-batch to run in that epoch
    accuracy: list[tuple[int, int]] = field(default_factory=list)  # (correct, total) per epoch

    @classmethod
    def start(
        cls,
        config: MLPConfig,
        digits: Digits | None = None,
        device: str = "cpu",
        data_dir: str | Path | None = None,
    ) -> MLPRun:
        config.validate()
        if config.data == "auto":  # record which one, so a resumed run sees the same digits
            config = replace(config, data="mnist" if find_full(data_dir) else "sample")
        digits = digits or load_digits(config.data, data_dir)
        net = Network(
            list(config.sizes),
            activation=config.activation,
            cost=config.cost,
            init=config.init,
            seed=config.seed,
            device=device,
        )
        return cls(config, digits, net)

    @property
    def finished(self) -> bool:
        return self.epoch >= self.config.epochs

    def events(self, loss_every: int = 100) -> Iterator[BatchDone | EpochDone]:
        """Train from where the run is to `config.epochs`, keeping the position current."""
        c = self.config
        test = self.digits.test.as_pair()
        for event in self.network.SGD(
            self.digits.train.as_pair(),
            c.epochs,
            c.mini_batch_size,
            c.eta,
            c.lmbda,
            test,
            seed=c.seed,
            start=(self.epoch, self.batch),
            loss_every=loss_every,
        ):
            if isinstance(event, BatchDone):
                self.epoch, self.batch = event.epoch, event.batch + 1
            else:
                self.epoch, self.batch = event.epoch + 1, 0
                if event.correct is not None and event.total is not None:
                    self.accuracy.append((event.correct, event.total))
            yield event

    def step_once(self) -> tuple[list[BatchDone | EpochDone], list[TensorSummary]]:
        """Apply the next mini-batch alone, recording every tensor it makes (for the shape
        inspector); the events are what `events()` would have yielded for it."""
        c = self.config
        if self.finished:
            raise ConfigError(f"the run has done its {c.epochs} epochs")
        images, labels = self.digits.train.as_pair()
        order = epoch_order(len(labels), c.mini_batch_size, c.seed, self.epoch)
        idx = order[self.batch]
        targets = torch.eye(c.sizes[-1])[labels[idx]]
        batch = DigitBatch(images[idx].T.to(self.network.device), targets.T.to(self.network.device))
        loss = float(self.network.total_cost(self.network.feedforward(batch.x), batch.y)) / len(idx)
        trace: list[tuple[str, torch.Tensor]] = []
        self.network.update_mini_batch(batch, c.eta, c.lmbda, len(labels), trace)
        events: list[BatchDone | EpochDone] = [BatchDone(self.epoch, self.batch, len(order), loss)]
        self.batch += 1
        if self.batch == len(order):
            correct = self.network.evaluate(*self.digits.test.as_pair())
            events.append(EpochDone(self.epoch, correct, len(self.digits.test), 0.0))
            self.accuracy.append((correct, len(self.digits.test)))
            self.epoch, self.batch = self.epoch + 1, 0
        return events, summarize(trace)

    # -- what the Digits pane shows (copies: the network may train on after this returns) ----
    def test_answers(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first `n` test digits (n, 784), their labels, and the network's 10 outputs for
        each."""
        test = self.digits.test
        images = test.images[:n].numpy().copy()
        return images, test.labels[:n].numpy().copy(), self.network.output_activations(images)

    def neuron_weights(self) -> np.ndarray:
        """The first layer's weights, (hidden, 784): what each hidden neuron looks for."""
        return self.network.weights[0].detach().cpu().numpy().copy()

    def read(self, pixels: np.ndarray) -> np.ndarray:
        """The network's 10 outputs for a hand-drawn 28x28 digit, prepared as MNIST's were."""
        return self.network.output_activations(mnist_style(pixels))[0]

    def extend(self, epochs: int) -> None:
        """Train to `epochs` in all (a resumed run may be given more epochs than it had)."""
        if epochs < self.epoch:
            raise ConfigError(f"--epochs {epochs} is fewer than the {self.epoch} this run has done")
        self.config = replace(self.config, epochs=epochs)

    def save(self, path: str | Path) -> CheckpointSaved:
        payload = {
            "network": self.network.state(),
            "config": {**asdict(self.config), "sizes": list(self.config.sizes)},
            "position": {"epoch": self.epoch, "batch": self.batch},
            "accuracy": [list(a) for a in self.accuracy],
            "data_source": self.digits.source,
        }
        return CheckpointSaved(checkpoint.save(path, KIND, payload))

    @classmethod
    def load(
        cls,
        path: str | Path,
        digits: Digits | None = None,
        device: str = "cpu",
        data_dir: str | Path | None = None,
    ) -> MLPRun:
        """Reopen a saved run (on the same data it was trained on) to evaluate or continue."""
        fields = checkpoint.Fields(path, KIND)
        data = checkpoint.load(path, KIND)
        config = _config(fields, data)
        _network_fits(fields, fields.get(data, "network", (dict,)), config)
        position = fields.get(data, "position", (dict,))
        epoch = fields.count(position, "epoch", "position.epoch")
        batch = fields.count(position, "batch", "position.batch")
        if epoch > config.epochs or (epoch == config.epochs and batch):
            raise fields.error(
                f"position epoch {epoch}, mini-batch {batch} is past its {config.epochs} epochs"
            )
        saved = fields.get(data, "accuracy", (list,))
        accuracy = [_accuracy(fields, a, f"accuracy[{i}]") for i, a in enumerate(saved)]
        digits = digits or load_digits(config.data, data_dir)
        batches = math.ceil(len(digits.train) / config.mini_batch_size)
        if batch >= batches:
            raise fields.error(f"position.batch {batch} is past the epoch's {batches} mini-batches")
        network = Network.from_state(data["network"], device=device)
        return cls(config, digits, network, epoch, batch, accuracy)


def _config(fields: checkpoint.Fields, data: dict) -> MLPConfig:
    """The run's settings, as MLPConfig and its `validate()` accept them."""
    raw = fields.record(fields.get(data, "config", (dict,)), MLPConfig, "config")
    sizes = raw.get("sizes", MLPConfig.sizes)
    for i, n in enumerate(sizes):
        fields.check(n, (int,), f"config.sizes[{i}]")
    return fields.built("config", lambda: MLPConfig(**{**raw, "sizes": tuple(sizes)}).validate())


def _network_fits(fields: checkpoint.Fields, network: dict, config: MLPConfig) -> None:
    """The saved network is the one `config` describes, with one weight matrix and one bias
    column per layer of its sizes: what `Network.from_state` builds on."""
    sizes = fields.get(network, "sizes", (list, tuple), "network.sizes")
    if list(sizes) != list(config.sizes):
        raise fields.error(f"network.sizes {list(sizes)} differ from its config's {config.sizes}")
    for key in ("activation", "cost", "init"):
        value, wanted = fields.get(network, key, (str,), f"network.{key}"), getattr(config, key)
        if value != wanted:
            raise fields.error(f"network.{key} {value!r} differs from its config's {wanted!r}")
    layers = list(zip(config.sizes[:-1], config.sizes[1:]))
    for key, column in (("weights", False), ("biases", True)):
        values = fields.get(network, key, (list,), f"network.{key}")
        if len(values) != len(layers):
            raise fields.error(f"network.{key} holds {len(values)} layers, its sizes {len(layers)}")
        for i, (value, (x, y)) in enumerate(zip(values, layers)):
            fields.tensor(value, f"network.{key}[{i}]", (y, 1) if column else (y, x))


def _accuracy(fields: checkpoint.Fields, entry: object, name: str) -> tuple[int, int]:
    """(correct, total) of one epoch's test: 0 <= correct <= total, and total >= 1."""
    pair = fields.check(entry, (list, tuple), name)
    if len(pair) != 2:
        raise fields.error(f"{name} holds {len(pair)} numbers, not (correct, total)")
    correct = fields.whole(pair[0], f"{name}[0]")
    return correct, fields.whole(pair[1], f"{name}[1]", low=max(1, correct))
