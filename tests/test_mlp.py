"""Nielsen's network: hand-written backprop against autograd, and that training learns."""

from __future__ import annotations

import itertools

import pytest
import torch

from engine.data.digits import load_sample
from engine.events import BatchDone, EpochDone
from engine.mlp import DigitBatch, Network


def autograd_gradients(net: Network, x: torch.Tensor, y: torch.Tensor):
    weights = [w.clone().double().requires_grad_() for w in net.weights]
    biases = [b.clone().double().requires_grad_() for b in net.biases]
    a = x.double()
    for layer, (w, b) in enumerate(zip(weights, biases), start=1):
        z = w @ a + b
        hidden = layer < len(weights)
        a = torch.relu(z) if hidden and net.activation == "relu" else torch.sigmoid(z)
    net.total_cost(a, y.double()).backward()
    return [b.grad for b in biases], [w.grad for w in weights]


@pytest.mark.parametrize(
    "sizes,cost,activation",
    [
        ([784, 30, 10], "quadratic", "sigmoid"),
        ([784, 30, 10], "cross-entropy", "sigmoid"),
        ([5, 7, 3], "quadratic", "sigmoid"),
        ([6, 8, 5, 4], "cross-entropy", "sigmoid"),
        ([4, 9, 9, 9, 2], "quadratic", "relu"),
        ([3, 2], "cross-entropy", "relu"),
    ],
)
@pytest.mark.parametrize("m", [1, 10, 17])
def test_backprop_equals_autograd(sizes, cost, activation, m):
    gen = torch.Generator().manual_seed(sum(sizes) + m)
    net = Network(sizes, cost=cost, activation=activation, init="scaled", seed=m)
    net.weights = [w.double() for w in net.weights]  # float64 makes the comparison exact
    net.biases = [b.double() for b in net.biases]
    x = torch.rand(sizes[0], m, generator=gen, dtype=torch.float64)
    y = torch.rand(sizes[-1], m, generator=gen, dtype=torch.float64)
    nabla_b, nabla_w = net.backprop(x, y)
    auto_b, auto_w = autograd_gradients(net, x, y)
    for ours, theirs in itertools.chain(zip(nabla_b, auto_b), zip(nabla_w, auto_w)):
        assert ours.shape == theirs.shape
        torch.testing.assert_close(ours, theirs, rtol=1e-9, atol=1e-12)


def test_backprop_float32_matches_autograd_to_float_tolerance():
    net = Network([784, 30, 10], seed=3)
    x, y = torch.rand(784, 10), torch.eye(10)
    nabla_b, nabla_w = net.backprop(x, y)
    auto_b, auto_w = autograd_gradients(net, x, y)
    for ours, theirs in itertools.chain(zip(nabla_b, auto_b), zip(nabla_w, auto_w)):
        torch.testing.assert_close(ours.double(), theirs, rtol=1e-4, atol=1e-5)


def test_trace_names_every_tensor_with_its_shape():
    net = Network([784, 30, 10])
    trace: list[tuple[str, torch.Tensor]] = []
    net.backprop(torch.rand(784, 10), torch.eye(10), trace)
    shapes = {name: tuple(t.shape) for name, t in trace}
    assert shapes == {
        "x": (784, 10),
        "z2": (30, 10),
        "a2": (30, 10),
        "z3": (10, 10),
        "a3": (10, 10),
        "delta3": (10, 10),
        "nabla_b3": (10, 1),
        "nabla_w3": (10, 30),
        "delta2": (30, 10),
        "nabla_b2": (30, 1),
        "nabla_w2": (30, 784),
    }


def test_update_mini_batch_is_the_books_rule_with_l2():
    net = Network([4, 3, 2], seed=1)
    batch = DigitBatch(torch.rand(4, 5), torch.rand(2, 5))
    nabla_b, nabla_w = net.backprop(batch.x, batch.y)
    w_before = [w.clone() for w in net.weights]
    b_before = [b.clone() for b in net.biases]
    eta, lmbda, n = 0.5, 2.0, 100
    net.update_mini_batch(batch, eta, lmbda, n)
    for w, w0, nw in zip(net.weights, w_before, nabla_w):
        torch.testing.assert_close(w, (1 - eta * lmbda / n) * w0 - eta / 5 * nw)
    for b, b0, nb in zip(net.biases, b_before, nabla_b):
        torch.testing.assert_close(b, b0 - eta / 5 * nb)


def test_scaled_init_shrinks_weights_by_sqrt_fan_in():
    normal = Network([784, 100, 10], init="normal", seed=0)
    scaled = Network([784, 100, 10], init="scaled", seed=0)
    assert 0.95 < normal.weights[0].std() < 1.05
    assert 0.95 / 28 < scaled.weights[0].std() < 1.05 / 28


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="cost"):
        Network([784, 30, 10], cost="hinge")
    with pytest.raises(ValueError, match="sizes"):
        Network([784])


def test_sgd_learns_the_bundled_digits():
    digits = load_sample()
    net = Network([784, 30, 10], seed=0)
    before = net.evaluate(*digits.test.as_pair())
    events = list(
        net.SGD(digits.train.as_pair(), 2, 10, 3.0, test_data=digits.test.as_pair(), loss_every=50)
    )
    losses = [e.loss for e in events if isinstance(e, BatchDone) and e.loss is not None]
    epochs = [e for e in events if isinstance(e, EpochDone)]
    assert [e.epoch for e in epochs] == [0, 1]
    assert before < 400  # about chance: 10% of 2,000
    assert epochs[-1].correct / epochs[-1].total > 0.75
    assert sum(losses[-5:]) / 5 < sum(losses[:3]) / 3 / 2  # the mini-batch cost falls


def test_sgd_resumes_exactly_after_stopping_mid_epoch():
    digits = load_sample()
    train = (digits.train.images[:600], digits.train.labels[:600])
    whole = Network([784, 20, 10], seed=5)
    for _ in whole.SGD(train, 2, 10, 3.0, seed=9):
        pass
    parted = Network([784, 20, 10], seed=5)
    run = parted.SGD(train, 2, 10, 3.0, seed=9)
    for event in run:
        if isinstance(event, BatchDone) and event.epoch == 1 and event.batch == 23:
            break
    run.close()
    for _ in parted.SGD(train, 2, 10, 3.0, seed=9, start=(1, 24)):
        pass
    for a, b in zip(whole.weights + whole.biases, parted.weights + parted.biases):
        assert torch.equal(a, b)
