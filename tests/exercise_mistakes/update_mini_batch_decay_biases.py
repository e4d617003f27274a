"""Mistake: weight decay shrinks the biases too (and the update is in place)."""


def update_mini_batch(weights, biases, x, y, eta, lmbda, n, backprop):
    nabla_b, nabla_w = backprop(weights, biases, x, y)
    m = x.shape[1]
    decay = 1 - eta * lmbda / n
    for w, nw in zip(weights, nabla_w):
        w.mul_(decay).sub_(nw, alpha=eta / m)
    for b, nb in zip(biases, nabla_b):
        b.mul_(decay).sub_(nb, alpha=eta / m)
    return weights, biases
