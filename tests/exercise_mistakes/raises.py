"""A backprop that multiplies the wrong shapes (after printing, as a learner debugging would)."""

import torch


def backprop(weights, biases, x, y):
    print("debug: x has shape", tuple(x.shape))
    a = torch.sigmoid(weights[0].T @ x + biases[0])
    return [a], [a]
