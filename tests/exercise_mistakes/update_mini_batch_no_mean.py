"""Mistake: the step is eta, not eta / m."""


def update_mini_batch(weights, biases, x, y, eta, lmbda, n, backprop):
    nabla_b, nabla_w = backprop(weights, biases, x, y)
    weights = [(1 - eta * lmbda / n) * w - eta * nw for w, nw in zip(weights, nabla_w)]
    biases = [b - eta * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases
