"""Mistake: the gradients are averaged over the batch, not summed."""

import torch


def sigmoid_prime_from_a(a):
    return a * (1 - a)


def backprop(weights, biases, x, y):
    activations = [x]
    for w, b in zip(weights, biases):
        activations.append(torch.sigmoid(w @ activations[-1] + b))
    nabla_b = [None] * len(biases)
    nabla_w = [None] * len(weights)
    delta = (activations[-1] - y) * sigmoid_prime_from_a(activations[-1])  # BP1
    for l in range(len(weights) - 1, -1, -1):
        if l < len(weights) - 1:
            delta = (weights[l + 1].T @ delta) * sigmoid_prime_from_a(activations[l + 1])  # BP2
        nabla_b[l] = delta.sum(dim=1, keepdim=True)  # BP3
        nabla_w[l] = delta @ activations[l].T  # BP4
    m = x.shape[1]
    return [nb / m for nb in nabla_b], [nw / m for nw in nabla_w]
