"""A correct update_mini_batch, with L2 weight decay."""


def update_mini_batch(weights, biases, x, y, eta, lmbda, n, backprop):
    nabla_b, nabla_w = backprop(weights, biases, x, y)
    m = x.shape[1]
    weights = [(1 - eta * lmbda / n) * w - (eta / m) * nw for w, nw in zip(weights, nabla_w)]
    biases = [b - (eta / m) * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases
