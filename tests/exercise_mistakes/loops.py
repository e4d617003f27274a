"""A backprop that never returns."""


def backprop(weights, biases, x, y):
    while True:
        pass
